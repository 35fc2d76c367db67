package dev.gantry.cli.daemons;

import dev.gantry.agent.AgentDaemon;
import dev.gantry.scheduler.SchedulerServer;
import dev.gantry.scheduler.store.MemoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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

    @Override
    public Integer call() throws Exception {
        MemoryStore store = new MemoryStore();
        SchedulerServer scheduler = SchedulerServer.start(store, config());
        String address = ("0.0.0.0".equals(bind) ? "127.0.0.1" : bind) + ":" + scheduler.grpcPort();
        if (agent.name == null) agent.name = "dev";
        AgentDaemon daemon = AgentDaemon.start(agent.config(List.of(address)), Daemons.drivers(agent));
        System.err.println("gantry dev cluster ready: scheduler " + address + ", agent " + daemon.nodeId()
                + " (data in " + agent.dataDir + ")");
        System.err.println("try: gantry run -f examples/web.yaml && gantry status web");
        // The in-memory state dies with this process, so its containers must too.
        Daemons.runUntilSignalled(() -> daemon.stopAllAllocations(java.time.Duration.ofSeconds(30)), daemon, scheduler, store);
        return 0;
    }

    SchedulerServer.Config config() {
        return new SchedulerServer.Config(bind, port, httpPort, "/gantry/").withNodeTtl(ttl.nodeTtl()).withPlacement(placement.settings());
    }

}
