package dev.gantry.agent.health;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agent's one pool for probes. Probes block for up to their timeout, so it has a few
 * threads rather than one; a slow probe only delays others, it never overlaps itself.
 */
public final class ProbeThreads {
    private static final int THREADS = 4;
    private static volatile ScheduledExecutorService shared;

    private ProbeThreads() {
    }

    /** Created on first use; daemon threads, so it never keeps the agent alive. */
    public static ScheduledExecutorService shared() {
        ScheduledExecutorService s = shared;
        if (s != null) return s;
        synchronized (ProbeThreads.class) {
            if (shared == null) {
                AtomicInteger n = new AtomicInteger();
                ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(THREADS, r -> {
                    Thread t = new Thread(r, "health-probe-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                e.setRemoveOnCancelPolicy(true);
                shared = e;
            }
            return shared;
        }
    }
}
