package dev.gantry.cli.daemons;

import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.EtcdOptions;
import dev.gantry.scheduler.store.EtcdStore;
import dev.gantry.scheduler.store.Store;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.gantry.api.security.Pem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "scheduler", description = "Run a scheduler that keeps all cluster state in etcd.")
public final class SchedulerCommand implements Callable<Integer> {
    @Option(names = "--etcd", required = true, paramLabel = "URL[,URL...]",
            description = "etcd endpoints, e.g. http://127.0.0.1:2379; https:// URLs for TLS (see --etcd-cacert).")
    String etcd;

    @Mixin
    EtcdAccessOptions etcdAccess;

    @Option(names = "--prefix", defaultValue = "/gantry/", description = "Key prefix in etcd (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port", defaultValue = "7420", description = "gRPC port for the CLI and agents (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--http-port", defaultValue = "7421", description = "HTTP port for /healthz (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Mixin
    NodeTtlOption ttl;

    @Option(names = "--leader-ttl", defaultValue = "5s", paramLabel = "DURATION",
            description = "Lease of the elected leader among scheduler replicas (default: ${DEFAULT-VALUE}). At least 2s. "
                    + "A leader that dies is replaced within about this long; one that shuts down cleanly hands over at once.")
    String leaderTtl;

    @Mixin
    PlacementOption placement;

    @Option(names = "--data-dir", defaultValue = "/var/lib/gantry/scheduler", paramLabel = "DIR",
            description = "Where the scheduler keeps its cluster key and writes ca.crt, the cluster CA's certificate for CLIs "
                    + "(default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Mixin
    SecurityOptions security;

    @Option(names = "--keep-versions", defaultValue = "10", paramLabel = "N",
            description = "Versions of each job kept for `gantry history` and `gantry rollout undo` (default: ${DEFAULT-VALUE}).")
    int keepVersions;

    @Override
    public Integer call() throws Exception {
        SchedulerServer.Config config = config();   // bad flags fail before etcd is dialled
        Store store = EtcdStore.connect(etcdOptions());
        Files.createDirectories(dataDir);
        SchedulerServer server;
        try {
            server = SchedulerServer.start(store, config, security.settings(dataDir));
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        Path ca = dataDir.resolve("ca.crt");
        Pem.writeCertificates(ca, List.of(server.caCertificate().orElseThrow()));
        System.err.println("gantry scheduler listening on " + bind + ":" + server.grpcPort() + " (TLS), state in etcd " + etcd + prefix);
        System.err.println("cluster CA certificate: " + ca + "; first time? `GANTRY_CA_CERT=" + ca + " gantry acl bootstrap` prints a "
                + "management token");
        Daemons.runUntilSignalled(server, store);
        return 0;
    }

    /** Endpoints, TLS files and credentials, read and checked (files included) without dialling etcd. */
    EtcdOptions etcdOptions() {
        return etcdAccess.options(etcd, System.getenv(), Clock.systemUTC());
    }

    SchedulerServer.Config config() {
        return new SchedulerServer.Config(bind, port, httpPort, prefix).withNodeTtl(ttl.nodeTtl())
                .withLeaderTtl(NodeTtlOption.ttl("--leader-ttl", leaderTtl)).withKeepVersions(keepVersions)
                .withPlacement(placement.settings());
    }

}
