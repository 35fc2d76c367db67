package dev.gantry.cli.daemons;

import dev.gantry.agent.AgentDaemon;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.MemoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.gantry.agent.node.NodeIdentity;
import dev.gantry.agent.security.NodeCredentials;
import dev.gantry.api.security.Pem;
import dev.gantry.cli.config.CliConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "dev", description = {
        "Run a one-server cluster in this process: a scheduler on the embedded in-memory store, and an agent.",
        "Nothing to install but runc and conmon. State lives in memory: stopping `gantry dev` stops its containers too."})
public final class DevCommand implements Callable<Integer> {
    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Scheduler address (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port", defaultValue = "7420", description = "Scheduler gRPC port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--http-port", defaultValue = "7421", description = "Scheduler HTTP port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Mixin
    NodeTtlOption ttl;

    @Mixin
    PlacementOption placement;

    @Mixin
    AgentOptions agent;

    @Mixin
    SecurityOptions security;

    @Override
    public Integer call() throws Exception {
        MemoryStore store = new MemoryStore();
        Path data = agent.dataDir.toAbsolutePath();
        Files.createDirectories(data);
        // Secure as any cluster: a CA, a joined agent and a management token, all made here. The state is new at
        // every start, so is the CA: the agent's certificate from an earlier run is dropped and it joins again.
        SchedulerServer scheduler = SchedulerServer.start(store, config(), security.settings(data.resolve("scheduler")));
        String address = ("0.0.0.0".equals(bind) ? "127.0.0.1" : bind) + ":" + scheduler.grpcPort();
        if (agent.name == null) agent.name = "dev";
        AgentDaemon.Config agentConfig = agent.config(List.of(address));
        deleteTree(data.resolve("tls"));
        NodeCredentials credentials = NodeCredentials.loadOrJoin(data, NodeIdentity.loadOrCreate(data),
                scheduler.createJoinToken(Duration.ofMinutes(5)), List.of(address), Clock.systemUTC()).renewAutomatically(List.of(address));
        AgentDaemon daemon = AgentDaemon.start(agentConfig, Daemons.drivers(agent), credentials.transport());
        Path ca = data.resolve("ca.crt");
        Pem.writeCertificates(ca, List.of(scheduler.caCertificate().orElseThrow()));
        String token = scheduler.bootstrapAcl().orElseThrow();
        Path cliConfig = CliConfig.defaultPath();
        CliConfig.load(cliConfig).put(new CliConfig.Context("dev", address, ca.toString(), token)).save(cliConfig);
        System.err.println("gantry dev cluster ready: scheduler " + address + " (TLS), agent " + daemon.nodeId()
                + " (data in " + agent.dataDir + ")");
        System.err.println("CLI config (context dev, with a management token) written to " + cliConfig);
        System.err.println("try: gantry run -f examples/web.yaml && gantry status web");
        // The in-memory state dies with this process, so its containers must too.
        Daemons.runUntilSignalled(() -> daemon.stopAllAllocations(Duration.ofSeconds(30)), daemon, credentials, scheduler, store);
        return 0;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    SchedulerServer.Config config() {
        return new SchedulerServer.Config(bind, port, httpPort, "/gantry/").withNodeTtl(ttl.nodeTtl()).withPlacement(placement.settings());
    }

}
