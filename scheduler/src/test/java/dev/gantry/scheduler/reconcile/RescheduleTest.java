package dev.gantry.scheduler.reconcile;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Replacements of failed replicas wait, longer after each failure at the index, on virtual time. */
class RescheduleTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final ReschedulePolicy policy = new ReschedulePolicy(Duration.ofSeconds(5), Duration.ofSeconds(60),
            Duration.ofMinutes(10));
    private final Job web = job("web", 1, 100, 64);
    private final Map<String, Node> nodes = Map.of("n1", node("n1", 1000, 1024), "n2", node("n2", 1000, 1024));

    @Test
    void theDelayDoublesFromTheBaseUpToTheCap() {
        assertThat(List.of(1, 2, 3, 4, 5, 100).stream().map(policy::delay).map(Duration::toSeconds).toList())
                .containsExactly(5L, 10L, 20L, 40L, 60L, 60L);
    }

    /** A stored failure (stopped, failed_at set) of the attempt-th replacement at index 0. */
    private Allocation failed(String id, int attempt, Instant failedAt) {
        return alloc(id, web, 0, "n1", ClientStatus.CLIENT_FAILED).toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP)
                .setRescheduleAttempt(attempt).setFailedAt(Timestamps.fromMillis(failedAt.toEpochMilli()))
                .putTaskStates("main", TaskState.newBuilder().setStatus(TaskStatus.TASK_FAILED)
                        .setMessage("could not start: unable to apply caps").build())
                .build();
    }

    @Test
    void theReplacementWaitsUntilTheBackoffEndsThenCarriesTheNextAttemptAndAvoidsTheNode() {
        Allocation second = failed("a1", 1, NOW);
        Reconciliation waiting = Reconciler.reconcile(web, null, List.of(second), nodes, NOW.plusSeconds(9), policy);
        assertThat(waiting.place()).isEmpty();
        assertThat(waiting.deferred()).singleElement().satisfies(d -> {
            assertThat(d.notBefore()).isEqualTo(NOW.plusSeconds(10));
            assertThat(d.attempt()).isEqualTo(2);
            assertThat(d.lastFailure()).isEqualTo("task main: could not start: unable to apply caps");
        });

        Reconciliation due = Reconciler.reconcile(web, null, List.of(second), nodes, NOW.plusSeconds(10), policy);
        assertThat(due.deferred()).isEmpty();
        assertThat(due.place()).containsExactly(new Reconciliation.Placement(0, "n1", false, 2));
    }

    @Test
    void aNewerReplicaAtTheIndexEndsTheWait() {
        Allocation failure = failed("a0", 3, NOW);
        Allocation replacement = alloc("a1", web, 0, "n2", ClientStatus.CLIENT_RUNNING).toBuilder()
                .setCreateTime(Timestamps.fromSeconds(5000)).build();
        Reconciliation r = Reconciler.reconcile(web, null, List.of(failure, replacement), nodes, NOW, policy);
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.deferred()).isEmpty();
    }

    @Test
    void aReplicaStoppedForAnotherReasonLeavesTheLastFailureInForce() {
        Allocation failure = failed("a0", 3, NOW);
        Allocation duplicateStopped = alloc("a1", web, 0, "n2", ClientStatus.CLIENT_COMPLETE).toBuilder()
                .setDesiredStatus(DesiredStatus.DESIRED_STOP).setCreateTime(Timestamps.fromSeconds(5000)).build();
        Reconciliation r = Reconciler.reconcile(web, null, List.of(failure, duplicateStopped), nodes, NOW, policy);
        assertThat(r.place()).isEmpty();
        assertThat(r.deferred()).extracting(Reconciliation.Deferred::notBefore).containsExactly(NOW.plusSeconds(40));
    }

    @Test
    void aReplicaThatRanLongEnoughStartsTheCountAgain() {
        Allocation longLived = failed("a0", 6, NOW).toBuilder()
                .putTaskStates("main", TaskState.newBuilder().setStatus(TaskStatus.TASK_FAILED)
                        .setStartedAt(Timestamps.fromMillis(NOW.minus(Duration.ofMinutes(11)).toEpochMilli())).build())
                .build();
        Reconciliation r = Reconciler.reconcile(web, null, List.of(longLived), nodes, NOW, policy);
        assertThat(r.deferred()).singleElement().satisfies(d -> {
            assertThat(d.attempt()).isEqualTo(1);
            assertThat(d.notBefore()).isEqualTo(NOW.plusSeconds(5));
        });
    }

    @Test
    void aNewTemplateIsPlacedAtOnce() {
        Job fixed = web.toBuilder().setVersion(2).setTemplateHash("fixed").build();
        Allocation old = failed("a0", 4, NOW).toBuilder().setTemplateHash("broken").build();
        Reconciliation r = Reconciler.reconcile(fixed, null, List.of(old), nodes, NOW, policy);
        assertThat(r.deferred()).isEmpty();
        assertThat(r.place()).extracting(Reconciliation.Placement::attempt).containsExactly(0);
    }

    @Test
    void aServiceReplicaThatCompletedIsReplacedLikeAFailedOne() {
        Allocation done = alloc("a0", web, 0, "n1", ClientStatus.CLIENT_COMPLETE);
        Reconciliation r = Reconciler.reconcile(web, null, List.of(done), nodes, NOW, policy);
        assertThat(r.stop()).singleElement().satisfies(s -> {
            assertThat(s.failure()).isTrue();
            assertThat(s.reason()).contains("completed");
        });
        assertThat(r.deferred()).extracting(Reconciliation.Deferred::notBefore).containsExactly(NOW.plusSeconds(5));
    }

    @Test
    void aLostReplicaIsReplacedAtOnce() {
        Map<String, Node> down = Map.of("n1", node("n1", 1000, 1024).toBuilder()
                .setStatus(dev.gantry.api.v1.NodeStatus.NODE_DOWN).build(), "n2", node("n2", 1000, 1024));
        Reconciliation r = Reconciler.reconcile(web, null, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING)),
                down, NOW, policy);
        assertThat(r.stop()).singleElement().satisfies(s -> assertThat(s.failure()).isFalse());
        assertThat(r.place()).extracting(Reconciliation.Placement::index).containsExactly(0);
        assertThat(r.deferred()).isEmpty();
    }
}
