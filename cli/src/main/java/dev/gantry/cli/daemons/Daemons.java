package dev.gantry.cli.daemons;

import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.runc.RuncDriver;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** What the daemon verbs share: the drivers a node offers, and running until told to stop. */
final class Daemons {
    private Daemons() {
    }

    static List<TaskDriver> drivers(Path dataDir) {
        return List.of(new RuncDriver(dataDir.resolve("runc")));
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
