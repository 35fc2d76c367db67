package dev.gantry.cli.commands;

import dev.gantry.cli.client.SchedulerClient;
import dev.gantry.cli.config.CliConfig;
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

    @Option(names = "--context", paramLabel = "NAME",
            description = "Context of the CLI config to use (default: its current context). The config is $GANTRY_CONFIG, "
                    + "else ~/.config/gantry/config.yaml; `gantry dev` writes it.")
    String context;

    public SchedulerClient client() {
        Connection c = connection();
        List<String> list = c.address() == null || c.address().isBlank() ? List.of()
                : Arrays.stream(c.address().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        return new SchedulerClient(list, c.transport(), c.hint());
    }

    /** How every connection a command opens is made. */
    public Transport transport() {
        return connection().transport();
    }

    /**
     * Address, CA and token: --address, $GANTRY_ADDR, $GANTRY_CA_CERT (a file) and $GANTRY_TOKEN
     * override the config file's context. Without a CA the connection is plaintext, which a
     * secure scheduler refuses; the hint says so.
     */
    Connection connection() {
        CliConfig.Context ctx;
        try {
            ctx = CliConfig.load(CliConfig.defaultPath()).context(context).orElse(null);
        } catch (java.io.IOException e) {
            throw new dev.gantry.cli.client.CliException(dev.gantry.cli.client.ExitCodes.USAGE, e.getMessage());
        }
        if (context != null && ctx == null) {
            throw new dev.gantry.cli.client.CliException(dev.gantry.cli.client.ExitCodes.USAGE,
                    "no context " + context + " in " + CliConfig.defaultPath());
        }
        String a = address != null ? address : firstSet(System.getenv(SchedulerClient.ENV), ctx == null ? null : ctx.address);
        String ca = firstSet(System.getenv("GANTRY_CA_CERT"), ctx == null ? null : ctx.ca);
        String token = firstSet(System.getenv("GANTRY_TOKEN"), ctx == null ? null : ctx.token);
        if (ca == null) {
            return new Connection(a, Transport.plaintext(), "no cluster CA is configured, so this connected in plaintext, which "
                    + "secure schedulers refuse: set GANTRY_CA_CERT and GANTRY_TOKEN, or use the CLI config that `gantry dev` writes");
        }
        java.security.cert.X509Certificate caCert;
        try {
            caCert = dev.gantry.api.security.Pem.readCertificates(java.nio.file.Path.of(ca)).get(0);
        } catch (java.io.IOException | RuntimeException e) {
            throw new dev.gantry.cli.client.CliException(dev.gantry.cli.client.ExitCodes.USAGE,
                    "cannot read the cluster CA certificate " + ca + ": " + e.getMessage());
        }
        Transport t = Transport.mutualTls(dev.gantry.api.transport.TlsMaterial.trustOnly(caCert));
        if (token != null) t = t.withBearerToken(token.trim());
        return new Connection(a, t, token == null ? "no ACL token is configured (GANTRY_TOKEN or the CLI config)" : "");
    }

    record Connection(String address, Transport transport, String hint) {
    }

    private static String firstSet(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return null;
    }

    public OutputFormat output() {
        return output;
    }

    public String namespace() {
        return namespace;
    }
}
