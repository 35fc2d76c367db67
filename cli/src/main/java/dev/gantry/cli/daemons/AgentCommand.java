package dev.gantry.cli.daemons;

import dev.gantry.agent.AgentDaemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.concurrent.Callable;

@Command(name = "agent", description = "Run an agent: register this server with the scheduler and run the containers placed on it (needs root, runc and conmon; offers the docker driver too when a Docker Engine answers).")
public final class AgentCommand implements Callable<Integer> {
    @Option(names = "--scheduler", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Scheduler address(es); the agent fails over between them.")
    String schedulers;

    @Mixin
    AgentOptions agent;

    @Override
    public Integer call() throws Exception {
        AgentDaemon daemon = AgentDaemon.start(agent.config(Arrays.stream(schedulers.split(",")).map(String::trim).toList()),
                Daemons.drivers(agent));
        System.err.println("gantry agent " + daemon.nodeId() + " running; containers keep running if it stops");
        Daemons.runUntilSignalled(daemon);
        return 0;
    }
}
