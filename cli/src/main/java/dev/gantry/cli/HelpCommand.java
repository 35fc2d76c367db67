package dev.gantry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * `gantry help [COMMAND [SUBCOMMAND...]]`. Not picocli's HelpCommand: that one reads only the first word, so
 * `gantry help rollout status` showed the usage of `rollout`; and it declares its own --help, which would
 * clash with the one every command inherits from {@link Main}.
 */
@Command(name = "help", helpCommand = true,
        description = "Show the usage of a command or subcommand: `gantry help rollout status` is `gantry rollout status --help`.")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", completionCandidates = CommandNames.class,
            description = "The command and subcommands to show the usage of (none: `gantry` itself).")
    List<String> words = new ArrayList<>();

    private CommandLine self;
    private Help.ColorScheme colors;
    private PrintWriter out;

    @Override
    public void init(CommandLine helpCommandLine, Help.ColorScheme colorScheme, PrintWriter outWriter, PrintWriter errWriter) {
        self = helpCommandLine;
        colors = colorScheme;
        out = outWriter;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        for (String word : words) {
            CommandLine sub = target.getSubcommands().get(word);
            if (sub == null) {
                throw new ParameterException(target, "unknown command `" + target.getCommandSpec().qualifiedName() + " " + word + "`");
            }
            target = sub;
        }
        target.usage(out, colors);
    }

    /** For the completion script, as picocli completes its own help command: the names of gantry's commands. */
    static final class CommandNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Main.class.getAnnotation(Command.class).subcommands())
                    .filter(c -> c != HelpCommand.class)
                    .map(c -> c.getAnnotation(Command.class).name()).iterator();
        }
    }
}
