package dev.gantry.cli.daemons;

import dev.gantry.agent.AgentDaemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.gantry.agent.node.NodeIdentity;
import dev.gantry.agent.security.NodeCredentials;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "agent", description = "Run an agent: register this server with the scheduler and run the containers placed on it (needs root, runc and conmon; offers the docker driver too when a Docker Engine answers).")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--scheduler", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Scheduler address(es); the agent fails over between them.")
    String schedulers;

    @Option(names = "--join", paramLabel = "TOKEN",
            description = "Join token (from `gantry token create`), needed the first time only: the agent then keeps its node "
                    + "certificate in DATA-DIR/tls and renews it. Default: $GANTRY_JOIN_TOKEN. Prefer --join-file: a flag shows in `ps`.")
    String join;

    @Option(names = "--join-file", paramLabel = "FILE", description = "A file holding the join token.")
    Path joinFile;

    @Mixin
    AgentOptions agent;

    @Override
    public Integer call() throws Exception {
        List<String> addresses = Arrays.stream(schedulers.split(",")).map(String::trim).toList();
        AgentDaemon.Config config = agent.config(addresses);
        String token = join != null ? join : joinFile != null ? Files.readString(joinFile).trim() : System.getenv("GANTRY_JOIN_TOKEN");
        String nodeId = NodeIdentity.loadOrCreate(config.dataDir());
        NodeCredentials credentials = NodeCredentials.loadOrJoin(config.dataDir(), nodeId, token, addresses, Clock.systemUTC())
                .renewAutomatically(addresses);
        AgentDaemon daemon = AgentDaemon.start(config, Daemons.drivers(agent), credentials.transport());
        System.err.println("gantry agent " + daemon.nodeId() + " running; containers keep running if it stops");
        Daemons.runUntilSignalled(daemon, credentials);
        return 0;
    }
}
