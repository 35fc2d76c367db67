package dev.gantry.cli.daemons;

import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.docker.DockerDriver;
import dev.gantry.agent.driver.runc.RuncDriver;
import dev.gantry.agent.image.ImageStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.CountDownLatch;

/** What the daemon verbs share: the drivers a node offers, and running until told to stop. */
final class Daemons {
    private Daemons() {
    }

    /**
     * runc, and docker unless --no-docker. The agent offers those whose fingerprint succeeds. The
     * docker driver's containers are scoped by the data directory: agents sharing an engine keep apart.
     */
    static Function<ImageStore, List<TaskDriver>> drivers(AgentOptions agent) {
        Path dataDir = agent.dataDir.toAbsolutePath();
        return images -> {
            List<TaskDriver> drivers = new ArrayList<>();
            drivers.add(new RuncDriver(dataDir.resolve("runc")));
            if (!agent.noDocker) drivers.add(new DockerDriver(agent.dockerHost, dataDir.toString(), images));
            return drivers;
        };
    }

    /** Blocks until SIGINT/SIGTERM, then closes {@code resources} in order. */
    static void runUntilSignalled(AutoCloseable... resources) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    System.err.println("shutdown: " + e);
                }
            }
            done.countDown();
        }, "gantry-shutdown"));
        done.await();
    }
}
