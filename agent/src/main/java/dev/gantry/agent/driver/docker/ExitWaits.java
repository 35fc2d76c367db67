package dev.gantry.agent.driver.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.WaitResponse;
import dev.gantry.agent.driver.ExitResult;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exit future per container, completed from the engine's wait endpoint plus an inspect (exit
 * code, OOM flag, finish time) once the container's output is in the log file. A wait that drops
 * (engine restart, broken connection) is retried with backoff until the exit is read. Blocking
 * calls never run on docker-java's stream threads: closing a stream interrupts its thread, and a
 * call on it then fails. Thread-safe.
 */
final class ExitWaits {
    /** How long an exit waits for the last output to reach the log file. */
    private static final Duration LOG_DRAIN = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(ExitWaits.class);
    private static final ScheduledExecutorService RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "docker-wait-retry");
        t.setDaemon(true);
        return t;
    });
    private static final ExecutorService SETTLERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "docker-exit");
        t.setDaemon(true);
        return t;
    });

    private final Engine engine;
    private final Function<String, CompletableFuture<Void>> logsCopied;
    private final Map<String, CompletableFuture<ExitResult>> exits = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** @param logsCopied per container id, completes when its output is all in the log file */
    ExitWaits(Engine engine, Function<String, CompletableFuture<Void>> logsCopied) {
        this.engine = engine;
        this.logsCopied = logsCopied;
    }

    /** The one future for this container (by Gantry id); the first call starts waiting on {@code ref}. */
    CompletableFuture<ExitResult> watch(String containerId, String ref) {
        CompletableFuture<ExitResult> created = new CompletableFuture<>();
        CompletableFuture<ExitResult> f = exits.putIfAbsent(containerId, created);
        if (f != null) return f;
        waitForExit(containerId, ref, created, 0);
        return created;
    }

    boolean watching(String containerId) {
        return exits.containsKey(containerId);
    }

    /** Forgets a container (it was removed); an incomplete future fails with {@code reason}. */
    void forget(String containerId, Throwable reason) {
        CompletableFuture<ExitResult> f = exits.remove(containerId);
        if (f != null) f.completeExceptionally(reason);
    }

    /** Stops waiting; pending futures stay incomplete (another driver instance can recover them). */
    void close() {
        closed = true;
    }

    private void waitForExit(String containerId, String ref, CompletableFuture<ExitResult> f, int attempt) {
        if (f.isDone() || closed) return;
        try {
            engine.streams().waitContainerCmd(ref).exec(new ResultCallback.Adapter<WaitResponse>() {
                @Override
                public void onComplete() {
                    SETTLERS.execute(() -> settle(containerId, ref, f, attempt));
                    super.onComplete();
                }

                @Override
                public void onError(Throwable t) {
                    SETTLERS.execute(() -> settle(containerId, ref, f, attempt + 1));
                    try {
                        close(); // not super.onError: it logs every dropped wait as an error
                    } catch (IOException e) {
                        // gone either way
                    }
                }
            });
        } catch (RuntimeException e) {
            retry(containerId, ref, f, attempt + 1, e);
        }
    }

    /** After a wait ended: the exit if the container has exited, else wait again. */
    private void settle(String containerId, String ref, CompletableFuture<ExitResult> f, int attempt) {
        if (f.isDone() || closed) return;
        InspectContainerResponse c;
        try {
            c = engine.requests().inspectContainerCmd(ref).exec();
        } catch (NotFoundException e) {
            f.complete(new ExitResult(255, false, Instant.now(), "the container was removed before its exit was recorded"));
            return;
        } catch (RuntimeException e) {
            retry(containerId, ref, f, attempt, e);
            return;
        }
        if (running(c) || "created".equals(c.getState().getStatus())) {
            retry(containerId, ref, f, attempt + 1, null); // the wait ended early (engine restart?): wait again
            return;
        }
        ExitResult exit = exitOf(c);
        logsCopied.apply(containerId).copy().completeOnTimeout(null, LOG_DRAIN.toMillis(), TimeUnit.MILLISECONDS)
                .thenRun(() -> f.complete(exit));
    }

    /** Waits again after a backoff (100 ms doubling to 5 s) while the engine is away. */
    private void retry(String containerId, String ref, CompletableFuture<ExitResult> f, int attempt, RuntimeException why) {
        if (why != null && attempt % 10 == 1) LOG.warn("waiting for container {} failed, retrying: {}", containerId, why.toString());
        long delayMs = Math.min(5000, 100L << Math.min(Math.max(0, attempt - 1), 6));
        RETRIES.schedule(() -> SETTLERS.execute(() -> waitForExit(containerId, ref, f, attempt)), delayMs, TimeUnit.MILLISECONDS);
    }

    static ExitResult exitOf(InspectContainerResponse c) {
        var s = c.getState();
        int code = s.getExitCodeLong() == null ? 255 : s.getExitCodeLong().intValue();
        boolean oom = Boolean.TRUE.equals(s.getOOMKilled());
        Instant finished;
        try {
            finished = Instant.parse(s.getFinishedAt());
        } catch (RuntimeException e) {
            finished = Instant.now();
        }
        String message = ExitResult.describe(code, oom);
        if (s.getError() != null && !s.getError().isBlank()) message += ": " + s.getError();
        return new ExitResult(code, oom, finished, message);
    }

    static boolean running(InspectContainerResponse c) {
        var s = c.getState();
        return s != null && (Boolean.TRUE.equals(s.getRunning()) || Boolean.TRUE.equals(s.getRestarting()));
    }
}
