package dev.gantry.cli;

import dev.gantry.cli.client.CliException;
import dev.gantry.cli.client.ExitCodes;
import dev.gantry.cli.commands.ImageCommand;
import dev.gantry.cli.commands.LogsCommand;
import dev.gantry.cli.commands.NodesCommand;
import dev.gantry.cli.commands.PsCommand;
import dev.gantry.cli.commands.RunCommand;
import dev.gantry.cli.commands.StatusCommand;
import dev.gantry.cli.commands.StopCommand;
import dev.gantry.cli.commands.ValidateCommand;
import dev.gantry.cli.daemons.AgentCommand;
import dev.gantry.cli.daemons.DevCommand;
import dev.gantry.cli.daemons.SchedulerCommand;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The one `gantry` command: client verbs and the daemons (scheduler, agent, dev). */
@Command(name = "gantry", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Main.Version.class,
        description = "Gantry deploys containerized apps across servers.",
        subcommands = {
                RunCommand.class, StatusCommand.class, PsCommand.class, NodesCommand.class, dev.gantry.cli.commands.NodeCommand.class, dev.gantry.cli.commands.SecretCommand.class, LogsCommand.class,
                StopCommand.class, dev.gantry.cli.commands.RolloutCommand.class, dev.gantry.cli.commands.HistoryCommand.class,
                ValidateCommand.class, dev.gantry.cli.commands.PlanCommand.class, ImageCommand.class, dev.gantry.cli.commands.EndpointsCommand.class, dev.gantry.cli.commands.EventsCommand.class,
                SchedulerCommand.class, AgentCommand.class, DevCommand.class,
                AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class},
        footer = {"", "Environment: GANTRY_ADDR=host:port[,host:port] sets the scheduler address.",
                ExitCodes.HELP_TEXT})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code; never exits the JVM (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((e, badArgs) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("error: " + e.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr())) {
                cmd.getErr().println("see `" + cmd.getCommandSpec().qualifiedName() + " --help`");
            }
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CliException c) {
                cmd.getErr().println("error: " + c.getMessage());
                return c.exitCode();
            }
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println("error: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            cmd.getErr().println("error: " + e);
            return ExitCodes.FAILURE;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"gantry " + (v == null ? "dev" : v)};
        }
    }
}
