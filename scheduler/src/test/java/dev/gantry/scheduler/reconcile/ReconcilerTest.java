package dev.gantry.scheduler.reconcile;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

class ReconcilerTest {
    private static final java.time.Instant NOW = java.time.Instant.parse("2026-01-01T00:00:00Z");
    private final Job web = job("web", 3, 100, 64);
    private final Map<String, Node> nodes = Map.of("n1", node("n1", 1000, 1024), "n2", node("n2", 1000, 1024));

    @Test
    void placesEveryMissingReplicaOfANewJob() {
        Reconciliation r = Reconciler.reconcile(web, List.of(), nodes, NOW);
        assertThat(r.place()).extracting(Reconciliation.Placement::index).containsExactly(0, 1, 2);
        assertThat(r.stop()).isEmpty();
    }

    @Test
    void placesOnlyTheIndexesThatAreMissing() {
        Reconciliation r = Reconciler.reconcile(web, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a2", web, 2, "n2", ClientStatus.CLIENT_PENDING)), nodes, NOW);
        assertThat(r.place()).extracting(Reconciliation.Placement::index).containsExactly(1);
        assertThat(r.stop()).isEmpty();
    }

    @Test
    void scalingDownStopsTheHighestIndexes() {
        Job two = web.toBuilder().setCount(1).build();
        Reconciliation r = Reconciler.reconcile(two, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n2", ClientStatus.CLIENT_RUNNING)), nodes, NOW);
        assertThat(r.place()).isEmpty();
        assertThat(r.stop()).extracting(s -> s.allocation().getId()).containsExactly("a1");
    }

    @Test
    void aStoppedJobStopsEverything() {
        Job stopped = web.toBuilder().setStopped(true).build();
        Reconciliation r = Reconciler.reconcile(stopped, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING)), nodes, NOW);
        assertThat(r.place()).isEmpty();
        assertThat(r.stop()).extracting(s -> s.reason()).containsExactly("job stopped");
    }

    @Test
    void allocationsOfADeletedJobAreStopped() {
        Reconciliation r = Reconciler.reconcile(null, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING)), nodes, NOW);
        assertThat(r.stop()).hasSize(1);
        assertThat(r.place()).isEmpty();
    }

    @Test
    void anAllocationOnADownNodeIsLostAndReplaced() {
        Map<String, Node> withDown = Map.of("n1", node("n1", 1000, 1024).toBuilder().setStatus(NodeStatus.NODE_DOWN).build(),
                "n2", node("n2", 1000, 1024));
        Reconciliation r = Reconciler.reconcile(web.toBuilder().setCount(1).build(),
                List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING)), withDown, NOW);
        assertThat(r.stop()).singleElement().satisfies(s -> assertThat(s.clientStatus()).isEqualTo(ClientStatus.CLIENT_LOST));
        assertThat(r.place()).extracting(Reconciliation.Placement::index).containsExactly(0);
    }

    @Test
    void aFailedAllocationIsStoppedAndItsReplacementWaits() {
        Reconciliation r = Reconciler.reconcile(web.toBuilder().setCount(1).build(),
                List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_FAILED)), nodes, NOW);
        assertThat(r.stop()).singleElement().satisfies(s -> assertThat(s.failure()).isTrue());
        assertThat(r.place()).isEmpty();
        assertThat(r.deferred()).singleElement().satisfies(d -> {
            assertThat(d.index()).isZero();
            assertThat(d.attempt()).isEqualTo(1);
            assertThat(d.notBefore()).isEqualTo(NOW.plus(ReschedulePolicy.DEFAULT.base()));
        });
    }

    @Test
    void aNewJobVersionReplacesOldAllocationsAllAtOnceWhenTheStrategyAllows() {
        Job v2 = web.toBuilder().setVersion(2).setCount(1)
                .setUpdate(dev.gantry.api.v1.UpdateStrategy.newBuilder().setMaxSurge("0").setMaxUnavailable("1")).build();
        Reconciliation r = Reconciler.reconcile(v2, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING)), nodes, NOW);
        assertThat(r.stop()).extracting(s -> s.allocation().getId()).containsExactly("a0");
        assertThat(r.place()).extracting(Reconciliation.Placement::index).containsExactly(0);
    }

    @Test
    void aDuplicateIndexKeepsTheOldest() {
        Allocation older = alloc("b", web, 0, "n1", ClientStatus.CLIENT_RUNNING);
        Allocation newer = alloc("a", web, 0, "n2", ClientStatus.CLIENT_RUNNING).toBuilder()
                .setCreateTime(com.google.protobuf.util.Timestamps.fromSeconds(5000)).build();
        Reconciliation r = Reconciler.reconcile(web.toBuilder().setCount(1).build(), List.of(newer, older), nodes, NOW);
        assertThat(r.stop()).extracting(s -> s.allocation().getId()).containsExactly("a");
    }

    @Test
    void reconcilingTheOutcomeAgainHasNothingToDo() {
        List<Allocation> running = List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n2", ClientStatus.CLIENT_RUNNING), alloc("a2", web, 2, "n1", ClientStatus.CLIENT_PENDING));
        assertThat(Reconciler.reconcile(web, running, nodes, NOW).isEmpty()).isTrue();
    }

    @Test
    void stoppedAllocationsAreIgnored() {
        Allocation stopped = alloc("a0", web, 0, "n1", ClientStatus.CLIENT_COMPLETE).toBuilder()
                .setDesiredStatus(dev.gantry.api.v1.DesiredStatus.DESIRED_STOP).build();
        Reconciliation r = Reconciler.reconcile(web.toBuilder().setCount(1).build(), List.of(stopped), nodes, NOW);
        assertThat(r.stop()).isEmpty();
        assertThat(r.place()).hasSize(1);
    }
}
