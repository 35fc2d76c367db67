package dev.gantry.scheduler.liveness;

import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Marks nodes that missed their heartbeat TTL down, while this replica leads. Each write is a
 * compare-and-swap on the node's revision from the snapshot the decision was made on, so an
 * agent that re-registered meanwhile wins and its node stays ready. Level-triggered: a write
 * that fails is simply decided again on the next tick. Replacing the node's allocations is
 * the evaluation loop's job; it sees the status change through the state cache.
 */
public final class LivenessLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LivenessLoop.class);
    public static final Duration MIN_TTL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

    private final ClusterState state;
    private final Store store;
    private final Keys keys;
    private final Heartbeats heartbeats;
    private final Duration ttl;
    private final Clock clock;
    private final BooleanSupplier isLeader;
    private final Supplier<List<Compare>> fence;
    private final WatchWindow window;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gantry-liveness");
        t.setDaemon(true);
        return t;
    });

    public LivenessLoop(ClusterState state, Store store, Keys keys, Heartbeats heartbeats, Duration ttl, Clock clock,
                        BooleanSupplier isLeader) {
        this(state, store, keys, heartbeats, ttl, clock, isLeader, List::of);
    }

    /** {@code fence}: compares added to every write, read at write time, so a deposed leader's writes fail. */
    public LivenessLoop(ClusterState state, Store store, Keys keys, Heartbeats heartbeats, Duration ttl, Clock clock,
                        BooleanSupplier isLeader, Supplier<List<Compare>> fence) {
        if (ttl.compareTo(MIN_TTL) < 0) throw new IllegalArgumentException("node TTL must be at least " + MIN_TTL.toSeconds() + "s");
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.heartbeats = heartbeats;
        this.ttl = ttl;
        this.clock = clock;
        this.isLeader = isLeader;
        this.fence = fence;
        // A stall longer than half a TTL could already have made a healthy node look silent.
        this.window = new WatchWindow(ttl.dividedBy(2));
    }

    /** Ticks at a quarter of the TTL (at most every second): detection lags the TTL by at most that. */
    static Duration tickInterval(Duration ttl) {
        Duration quarter = ttl.dividedBy(4);
        return quarter.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : quarter;
    }

    public void start() {
        long every = tickInterval(ttl).toMillis();
        executor.scheduleWithFixedDelay(this::tickSafely, 0, every, TimeUnit.MILLISECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("liveness check failed: {}; retrying on the next tick", e.toString());
        }
    }

    /** One decision and its writes; returns the ids of the nodes marked down. Blocking. */
    List<String> tick() throws Exception {
        Instant now = clock.instant();
        Optional<Instant> since = window.observe(isLeader.getAsBoolean(), now);
        if (since.isEmpty()) return List.of();
        Snapshot s = state.snapshot();
        List<NodeLiveness.Expired> expired = NodeLiveness.expired(
                s.nodes().values().stream().map(Versioned::value).toList(), heartbeats.snapshot(), since.get(), ttl, now);
        List<String> down = new java.util.ArrayList<>();
        for (NodeLiveness.Expired e : expired) {
            Node n = e.node();
            String key = keys.node(n.getId());
            Node next = n.toBuilder().setStatus(NodeStatus.NODE_DOWN).build();
            List<Compare> compares = new java.util.ArrayList<>(fence.get());
            compares.add(Compare.modRevision(key, s.nodes().get(n.getId()).modRevision()));
            TxnResult r = store.txn(compares, List.of(Op.put(key, next.toByteArray())), List.of()).get(10, TimeUnit.SECONDS);
            if (r.succeeded()) {
                down.add(n.getId());
                log.warn("node {} ({}) missed its heartbeat TTL of {}s (last sign of life {} ms ago); marked down",
                        n.getName(), n.getId(), ttl.toSeconds(), Duration.between(e.lastSign(), now).toMillis());
            }
        }
        return List.copyOf(down);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
