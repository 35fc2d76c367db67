package dev.gantry.scheduler.liveness;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Since when this replica has been watching heartbeats without a gap, which is the earliest
 * moment silence can be blamed on a node. The window restarts when the replica becomes the
 * leader (its heartbeat map says nothing about the time before) and when the liveness loop
 * itself stalled for longer than {@code maxGap} (a GC pause or a suspended VM: heartbeats that
 * arrived meanwhile may not be processed yet, so the silence is ours, not the agents').
 * Not thread-safe: owned by the liveness loop's thread.
 */
public final class WatchWindow {
    private final Duration maxGap;
    private Instant since;
    private Instant lastObserved;

    public WatchWindow(Duration maxGap) {
        this.maxGap = maxGap;
    }

    /** Called on every tick; empty while not leading (no decisions to take). */
    public Optional<Instant> observe(boolean leading, Instant now) {
        if (!leading) {
            since = null;
            lastObserved = null;
            return Optional.empty();
        }
        if (since == null || Duration.between(lastObserved, now).compareTo(maxGap) > 0) since = now;
        lastObserved = now;
        return Optional.of(since);
    }
}
