package dev.gantry.cli.commands;

import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.output.OutputFormat;
import dev.gantry.api.transport.Transport;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.List;

/** Options every client verb shares: where the scheduler is, and how to print. */
public final class ClientOptions {
    @Option(names = {"-a", "--address"}, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Scheduler address(es), tried in turn. Default: $GANTRY_ADDR, else " + SchedulerClient.DEFAULT_ADDRESS + ".")
    String address;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    public SchedulerClient client() {
        String a = address != null ? address : System.getenv(SchedulerClient.ENV);
        List<String> list = a == null || a.isBlank() ? List.of()
                : Arrays.stream(a.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new SchedulerClient(list, transport());
    }

    /** How every connection a command opens (to schedulers and agents) is made. */
    public Transport transport() {
        return Transport.plaintext();
    }

    public OutputFormat output() {
        return output;
    }

    public String namespace() {
        return namespace;
    }
}
