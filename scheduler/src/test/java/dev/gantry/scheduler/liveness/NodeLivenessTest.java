package dev.gantry.scheduler.liveness;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

class NodeLivenessTest {
    private static final Duration TTL = Duration.ofSeconds(10);
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private static List<String> expired(List<Node> nodes, Map<String, Instant> seen, Instant since, Instant now) {
        return NodeLiveness.expired(nodes, seen, since, TTL, now).stream().map(e -> e.node().getId()).toList();
    }

    @Test
    void aNodeSilentForLongerThanTheTtlExpiresAndAFreshOneDoesNot() {
        Instant now = START.plusSeconds(60);
        List<String> down = expired(List.of(node("stale", 1, 1), node("fresh", 1, 1)),
                Map.of("stale", now.minusSeconds(11), "fresh", now.minusSeconds(3)), START, now);
        assertThat(down).containsExactly("stale");
    }

    @Test
    void exactlyOneTtlOfSilenceIsStillAlive() {
        Instant now = START.plusSeconds(60);
        assertThat(expired(List.of(node("n1", 1, 1)), Map.of("n1", now.minus(TTL)), START, now)).isEmpty();
        assertThat(expired(List.of(node("n1", 1, 1)), Map.of("n1", now.minus(TTL).minusMillis(1)), START, now))
                .containsExactly("n1");
    }

    @Test
    void afterASchedulerRestartEveryNodeGetsOneTtlOfGrace() {
        // The heartbeat map is empty after a restart: nobody has been heard from yet.
        List<Node> nodes = List.of(node("n1", 1, 1), node("n2", 1, 1));
        assertThat(expired(nodes, Map.of(), START, START.plus(TTL))).isEmpty();
        assertThat(expired(nodes, Map.of("n1", START.plusSeconds(4)), START, START.plus(TTL).plusSeconds(1)))
                .containsExactly("n2");
    }

    @Test
    void aHeartbeatFromBeforeTheWindowDoesNotShortenTheGrace() {
        Map<String, Instant> seen = Map.of("n1", START.minusSeconds(30));
        assertThat(expired(List.of(node("n1", 1, 1)), seen, START, START.plusSeconds(9))).isEmpty();
    }

    @Test
    void aRegistrationStoredOnTheNodeCountsAsASignOfLife() {
        // Registered (on this or another replica) after the last heartbeat this replica saw.
        Node registered = node("n1", 1, 1).toBuilder().setLastHeartbeat(Timestamps.fromMillis(START.plusSeconds(50).toEpochMilli())).build();
        assertThat(expired(List.of(registered), Map.of("n1", START.plusSeconds(1)), START, START.plusSeconds(55))).isEmpty();
    }

    @Test
    void onlyReadyNodesAreMarkedDown() {
        Node down = node("d", 1, 1).toBuilder().setStatus(NodeStatus.NODE_DOWN).build();
        Node cordoned = node("c", 1, 1).toBuilder().setEligible(false).build();
        assertThat(expired(List.of(down, cordoned), Map.of(), START, START.plusSeconds(600))).containsExactly("c");
    }

    @Test
    void reportsTheLastSignOfLifeItJudgedBy() {
        Instant seen = START.plusSeconds(5);
        var e = NodeLiveness.expired(List.of(node("n1", 1, 1)), Map.of("n1", seen), START, TTL, START.plusSeconds(20));
        assertThat(e).singleElement().satisfies(x -> assertThat(x.lastSign()).isEqualTo(seen));
    }
}
