package dev.gantry.agent.driver.runc;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExitResult;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes one future per container when conmon has written its exit file. One daemon thread
 * polls every watched container's exit file (a stat each) every {@link #INTERVAL_MS} ms, which
 * stays cheap for hundreds of tasks and needs no per-directory inotify watches. Thread-safe.
 */
final class ExitWatcher {
    static final long INTERVAL_MS = 100;
    /** conmon's liveness is checked every this many ticks, to notice a conmon killed without an exit file. */
    private static final int LIVENESS_EVERY = 20;
    private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "runc-exit-watcher");
        t.setDaemon(true);
        return t;
    });

    /** Reads the exit if it is recorded: null while the container has not exited. */
    interface Probe {
        ExitResult poll(ContainerPaths paths) throws DriverException;

        /** Called when conmon is gone; returns the exit if recorded meanwhile, else a synthetic result. */
        ExitResult lost(ContainerPaths paths) throws DriverException;

        boolean conmonAlive(ContainerPaths paths);
    }

    private record Watch(ContainerPaths paths, CompletableFuture<ExitResult> future) {
    }

    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final Probe probe;
    private final java.util.concurrent.ScheduledFuture<?> ticker;
    private long tick;

    ExitWatcher(Probe probe) {
        this.probe = probe;
        this.ticker = TIMER.scheduleWithFixedDelay(this::pollAll, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Stops polling; pending futures stay incomplete (a new driver instance can recover them). */
    void close() {
        ticker.cancel(false);
    }

    /** The one future for this container (created on first call, checked at once). */
    CompletableFuture<ExitResult> watch(ContainerPaths paths) {
        Watch w = watches.computeIfAbsent(paths.id(), id -> new Watch(paths, new CompletableFuture<>()));
        check(w, false);
        return w.future;
    }

    /** Forgets a container (after destroy); an incomplete future fails. */
    void forget(String id, Function<String, Throwable> reason) {
        Watch w = watches.remove(id);
        if (w != null) w.future.completeExceptionally(reason.apply(id));
    }

    private void pollAll() {
        boolean liveness = (++tick % LIVENESS_EVERY) == 0;
        for (Watch w : watches.values()) check(w, liveness);
    }

    private void check(Watch w, boolean liveness) {
        if (w.future.isDone()) return;
        try {
            ExitResult r = probe.poll(w.paths);
            if (r == null && liveness && !probe.conmonAlive(w.paths)) r = probe.lost(w.paths);
            if (r != null) w.future.complete(r);
        } catch (DriverException | RuntimeException e) {
            LOG.warn("cannot read the exit of container {}: {}", w.paths.id(), e.toString());
            if (e instanceof DriverException) w.future.completeExceptionally(e);
        }
    }
}
