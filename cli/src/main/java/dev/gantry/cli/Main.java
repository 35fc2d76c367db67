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
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The one `gantry` command: client verbs and the daemons (scheduler, agent, dev). */
@Command(name = "gantry", scope = CommandLine.ScopeType.INHERIT, versionProvider = Main.Version.class,
        description = "Gantry deploys containerized apps across servers.",
        subcommands = {
                RunCommand.class, StatusCommand.class, PsCommand.class, NodesCommand.class, dev.gantry.cli.commands.NodeCommand.class, dev.gantry.cli.commands.SecretCommand.class, dev.gantry.cli.commands.NamespaceCommand.class, LogsCommand.class,
                StopCommand.class, dev.gantry.cli.commands.RolloutCommand.class, dev.gantry.cli.commands.HistoryCommand.class,
                ValidateCommand.class, dev.gantry.cli.commands.PlanCommand.class, ImageCommand.class, dev.gantry.cli.commands.EndpointsCommand.class, dev.gantry.cli.commands.EventsCommand.class,
                dev.gantry.cli.commands.TokenCommand.class, dev.gantry.cli.commands.AclCommand.class,
                SchedulerCommand.class, AgentCommand.class, DevCommand.class,
                CompletionCommand.class, HelpCommand.class},
        footer = {"", "Environment: GANTRY_ADDR=host:port[,host:port] sets the scheduler address.",
                ExitCodes.HELP_TEXT})
public final class Main {
    /*
     * Not mixinStandardHelpOptions: picocli adds its -h, --help, -V and --version as one mixin and silently leaves
     * the whole mixin out of any command that has an option by one of those names (`rollout status --version N`),
     * so such a command had no --help and its required arguments won. Declared here, --help is inherited by
     * every command and subcommand; a command declaring -h or --help itself fails at startup, not silently.
     * -V/--version is on `gantry` alone, so a command may have a --version of its own.
     */
    @Option(names = {"-h", "--help"}, usageHelp = true, scope = CommandLine.ScopeType.INHERIT,
            description = "Show this help message and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, scope = CommandLine.ScopeType.LOCAL,
            description = "Print version information and exit.")
    boolean version;

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
