package dev.gantry.scheduler.liveness;

import dev.gantry.testing.ManualClock;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.MemoryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.gantry.scheduler.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loop's ticks on virtual time, against the in-memory store; the background schedule is not started. */
class LivenessLoopTest {
    private static final Duration TTL = Duration.ofSeconds(2);
    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Keys keys = new Keys("/gantry/");
    private final Heartbeats heartbeats = new Heartbeats();
    private final AtomicBoolean leader = new AtomicBoolean(true);
    private MemoryStore store;
    private ClusterState state;
    private LivenessLoop loop;

    @BeforeEach
    void start() throws Exception {
        store = new MemoryStore(clock);
        for (String id : List.of("n1", "n2")) store.txn(List.of(), List.of(dev.gantry.scheduler.store.Op.put(keys.node(id),
                node(id, 1000, 1024).toByteArray())), List.of()).get();
        state = new ClusterState(store, keys);
        state.start().get(5, TimeUnit.SECONDS);
        loop = new LivenessLoop(state, store, keys, heartbeats, TTL, clock, leader::get);
    }

    @AfterEach
    void stop() {
        loop.close();
        state.close();
        store.close();
    }

    private NodeStatus status(String id) throws Exception {
        state.awaitRevision(store.get(keys.node(id)).get().orElseThrow().modRevision()).get(5, TimeUnit.SECONDS);
        return state.snapshot().nodes().get(id).value().getStatus();
    }

    /** Ticks every 500 ms of virtual time for {@code d}, the first agent heartbeating throughout if asked. */
    private List<String> run(Duration d, String heartbeating) throws Exception {
        List<String> down = new java.util.ArrayList<>();
        for (long t = 0; t <= d.toMillis(); t += 500) {
            if (heartbeating != null) heartbeats.record(heartbeating, clock.instant());
            down.addAll(loop.tick());
            clock.advance(Duration.ofMillis(500));
        }
        return down;
    }

    @Test
    void marksASilentNodeDownAfterTheGraceAndKeepsAHeartbeatingOneReady() throws Exception {
        // Neither node has been heard from: both get one TTL from the loop's first tick.
        assertThat(run(Duration.ofMillis(2000), null)).isEmpty();
        assertThat(run(Duration.ofMillis(1000), "n1")).containsExactly("n2");
        assertThat(status("n2")).isEqualTo(NodeStatus.NODE_DOWN);
        assertThat(status("n1")).isEqualTo(NodeStatus.NODE_READY);
        // Already down: not written again.
        assertThat(run(Duration.ofSeconds(5), "n1")).isEmpty();
    }

    @Test
    void aFollowerDecidesNothing() throws Exception {
        leader.set(false);
        assertThat(run(Duration.ofSeconds(10), null)).isEmpty();
        leader.set(true);
        // Becoming leader opens a fresh grace period.
        assertThat(run(Duration.ofMillis(2000), null)).isEmpty();
        assertThat(run(Duration.ofMillis(500), null)).containsExactly("n1", "n2");
    }

    @Test
    void aNodeBackFromDownIsJudgedFromItsReturn() throws Exception {
        assertThat(run(Duration.ofMillis(2500), "n1")).containsExactly("n2");
        // n2's agent re-registers: the registration writes READY and stamps the time.
        Node back = node("n2", 1000, 1024).toBuilder()
                .setLastHeartbeat(com.google.protobuf.util.Timestamps.fromMillis(clock.millis())).build();
        store.txn(List.of(), List.of(dev.gantry.scheduler.store.Op.put(keys.node("n2"), back.toByteArray())), List.of()).get();
        assertThat(status("n2")).isEqualTo(NodeStatus.NODE_READY);
        assertThat(run(Duration.ofMillis(2000), "n1")).isEmpty();
        assertThat(run(Duration.ofMillis(500), "n1")).containsExactly("n2");
    }

    @Test
    void refusesATtlBelowTwoSeconds() {
        assertThatThrownBy(() -> new LivenessLoop(state, store, keys, heartbeats, Duration.ofMillis(1500), clock, () -> true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
