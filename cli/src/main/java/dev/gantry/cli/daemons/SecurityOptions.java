package dev.gantry.cli.daemons;

import dev.gantry.api.spec.Quantities;
import dev.gantry.scheduler.security.SchedulerSecurity;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A scheduler's security flags, shared by `gantry scheduler` and `gantry dev`. */
public final class SecurityOptions {
    @Option(names = "--cluster-key", paramLabel = "FILE",
            description = "The key that seals the cluster CA's private key in the state store (default: DATA-DIR/cluster.key, "
                    + "created on the first scheduler server). Copy it to every other scheduler server of the cluster.")
    Path clusterKey;

    @Option(names = "--tls-san", paramLabel = "NAME", description = "Another DNS name or IP address for the scheduler's certificate "
            + "(a load balancer's); repeatable. Its host name and every address of its interfaces are named anyway.")
    List<String> tlsSans = new ArrayList<>();

    @Option(names = "--node-cert-lifetime", paramLabel = "DURATION", defaultValue = "720h",
            description = "Lifetime of the node certificates agents get; they renew at two thirds of it (default: ${DEFAULT-VALUE}).")
    String nodeCertLifetime;

    SchedulerSecurity.Settings settings(Path dataDir) {
        var d = Quantities.parseDuration(nodeCertLifetime);
        return new SchedulerSecurity.Settings(clusterKey != null ? clusterKey : dataDir.resolve("cluster.key"), tlsSans,
                Duration.ofSeconds(d.getSeconds(), d.getNanos()));
    }
}
