package dev.gantry.scheduler.store;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Names the store's own threads and makes them daemons, so a store left open never keeps the JVM alive. */
final class DaemonThreads implements ThreadFactory {
    private final String name;
    private final AtomicInteger count = new AtomicInteger();

    DaemonThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }
}
