package dev.gantry.scheduler.health;

import dev.gantry.scheduler.store.Store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Whether the state store answers, from the last result of a periodic probe ({@link Store#ping}),
 * so that asking never blocks: /healthz and every API response that carries {@code degraded}
 * read the cached result. A probe that gets no answer within its timeout counts as a failure.
 * Thread-safe.
 */
public final class StoreHealth implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private final Supplier<CompletableFuture<Void>> probe;
    private final Clock clock;
    private final Duration timeout;
    private ScheduledExecutorService timer;
    // The store is taken as healthy until a probe says otherwise (the scheduler has just loaded its state from it).
    private Instant lastAnswer; // guarded by this
    private String lastError = ""; // guarded by this; empty while healthy

    public StoreHealth(Supplier<CompletableFuture<Void>> probe, Clock clock, Duration timeout) {
        this.probe = probe;
        this.clock = clock;
        this.timeout = timeout;
        this.lastAnswer = clock.instant();
    }

    public static StoreHealth of(Store store, Clock clock) {
        return new StoreHealth(store::ping, clock, DEFAULT_TIMEOUT);
    }

    /** Probes every {@code interval} on a daemon thread, one probe at a time, until closed. */
    public synchronized StoreHealth start(Duration interval) {
        if (timer != null) return this;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "store-health");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::probeOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Runs one probe and records its result; blocks for at most the timeout. */
    public void probeOnce() {
        try {
            probe.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            record(null);
        } catch (TimeoutException e) {
            record("no answer within " + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            record(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            record(e.toString());
        }
    }

    /** One probe's outcome: {@code error} null when the store answered. */
    synchronized void record(String error) {
        if (error == null) {
            lastAnswer = clock.instant();
            lastError = "";
        } else {
            lastError = error;
        }
    }

    /**
     * Why this replica is degraded, e.g. "state store unreachable for 12s (no answer within 2s)";
     * empty while the last probe succeeded. Never blocks.
     */
    public synchronized String degraded() {
        if (lastError.isEmpty()) return "";
        long seconds = Math.max(0, Duration.between(lastAnswer, clock.instant()).toSeconds());
        return "state store unreachable for " + seconds + "s (" + lastError + ")";
    }

    @Override
    public synchronized void close() {
        if (timer != null) timer.shutdownNow();
    }
}
