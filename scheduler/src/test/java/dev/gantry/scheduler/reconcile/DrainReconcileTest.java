package dev.gantry.scheduler.reconcile;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

/** Moving replicas off a draining node: replacement first, one at a time per job, all gone by the deadline. */
class DrainReconcileTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final Job web = job("web", 2, 100, 64);
    private final Map<String, Node> nodes = Map.of(
            "n1", node("n1", 1000, 1024).toBuilder().setEligible(false).setDraining(true)
                    .setDrainDeadline(Timestamps.fromMillis(NOW.plusSeconds(300).toEpochMilli())).build(),
            "n2", node("n2", 1000, 1024));

    private static Allocation created(Allocation a, int second) {
        return a.toBuilder().setCreateTime(Timestamps.fromSeconds(2000 + second)).build();
    }

    private List<String> stopped(Reconciliation r) {
        return r.stop().stream().map(s -> s.allocation().getId()).toList();
    }

    @Test
    void placesOneReplacementAndKeepsTheOldCopyRunning() {
        Reconciliation r = Reconciler.reconcile(web, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n1", ClientStatus.CLIENT_RUNNING)), nodes, NOW);
        assertThat(r.stop()).isEmpty();
        assertThat(r.place()).containsExactly(new Reconciliation.Placement(0, "n1"));
    }

    @Test
    void waitsWhileTheReplacementIsPendingAndStartsNoOtherMigration() {
        Reconciliation r = Reconciler.reconcile(web, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n1", ClientStatus.CLIENT_RUNNING),
                created(alloc("b0", web, 0, "n2", ClientStatus.CLIENT_PENDING), 1)), nodes, NOW);
        assertThat(r.isEmpty()).isTrue();
    }

    @Test
    void stopsTheOldCopyOnceItsReplacementRunsAndMovesTheNextOne() {
        Reconciliation r = Reconciler.reconcile(web, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n1", ClientStatus.CLIENT_RUNNING),
                created(alloc("b0", web, 0, "n2", ClientStatus.CLIENT_RUNNING), 1)), nodes, NOW);
        assertThat(stopped(r)).containsExactly("a0");
        assertThat(r.stop().get(0).reason()).isEqualTo("node n1 drained: replaced by b0");
        assertThat(r.stop().get(0).clientStatus()).isEqualTo(ClientStatus.CLIENT_RUNNING);
        assertThat(r.place()).containsExactly(new Reconciliation.Placement(1, "n1"));
    }

    @Test
    void pastTheDeadlineStopsEverythingLeftAndPlacesWhatIsMissingAtOnce() {
        Instant late = NOW.plusSeconds(300);
        Reconciliation r = Reconciler.reconcile(web, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n1", ClientStatus.CLIENT_RUNNING),
                created(alloc("b0", web, 0, "n2", ClientStatus.CLIENT_PENDING), 1)), nodes, late);
        assertThat(stopped(r)).containsExactlyInAnyOrder("a0", "a1");
        assertThat(r.stop()).allSatisfy(s -> assertThat(s.reason()).isEqualTo("node n1 drained: deadline reached"));
        // Replica 0 already has its pending replacement; replica 1 is placed now, outside the budget.
        assertThat(r.place()).containsExactly(new Reconciliation.Placement(1, ""));
    }

    @Test
    void aDrainWithoutADeadlineWaitsForReplacementsForever() {
        Map<String, Node> open = Map.of("n1", nodes.get("n1").toBuilder().clearDrainDeadline().build(), "n2", nodes.get("n2"));
        Reconciliation r = Reconciler.reconcile(web, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n2", ClientStatus.CLIENT_RUNNING)), open, NOW.plusSeconds(1_000_000));
        assertThat(r.stop()).isEmpty();
        assertThat(r.place()).containsExactly(new Reconciliation.Placement(0, "n1"));
    }

    @Test
    void aCordonedNodeThatIsNotDrainingKeepsItsAllocations() {
        Map<String, Node> cordoned = Map.of("n1", nodes.get("n1").toBuilder().setDraining(false).clearDrainDeadline().build());
        assertThat(Reconciler.reconcile(web, List.of(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                alloc("a1", web, 1, "n1", ClientStatus.CLIENT_RUNNING)), cordoned, NOW).isEmpty()).isTrue();
    }

    @Test
    void aFailedReplacementIsReplacedAndTheOldCopyKeepsServing() {
        Reconciliation r = Reconciler.reconcile(web.toBuilder().setCount(1).build(), List.of(
                alloc("a0", web, 0, "n1", ClientStatus.CLIENT_RUNNING),
                created(alloc("b0", web, 0, "n2", ClientStatus.CLIENT_FAILED), 1)), nodes, NOW);
        assertThat(stopped(r)).containsExactly("b0");
        assertThat(r.place()).containsExactly(new Reconciliation.Placement(0, "n2"));
    }

    /** Runs the drain to the end, as the evaluator and agents would: every placement lands on n2 and runs. */
    @Test
    void aWholeDrainMovesEveryReplicaWithoutEverLeavingOneUnserved() {
        Job four = web.toBuilder().setCount(4).build();
        List<Allocation> allocs = new ArrayList<>();
        for (int i = 0; i < 4; i++) allocs.add(alloc("a" + i, four, i, "n1", ClientStatus.CLIENT_RUNNING));
        int serial = 0;
        for (int round = 0; round < 20; round++) {
            Reconciliation r = Reconciler.reconcile(four, allocs, nodes, NOW);
            if (r.isEmpty()) break;
            assertThat(r.place()).hasSizeLessThanOrEqualTo(Migration.MAX_PARALLEL);
            for (Reconciliation.Stop s : r.stop()) {
                allocs.replaceAll(a -> a.getId().equals(s.allocation().getId())
                        ? a.toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP).build() : a);
            }
            for (Reconciliation.Placement p : r.place()) {
                allocs.add(created(alloc("r" + serial, four, p.index(), "n2", ClientStatus.CLIENT_PENDING), ++serial));
            }
            // Every replica keeps a running copy throughout: replacement before stop.
            long serving = allocs.stream().filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN
                    && a.getClientStatus() == ClientStatus.CLIENT_RUNNING).map(Allocation::getIndex).distinct().count();
            assertThat(serving).isEqualTo(4);
            // The agent starts what it was given.
            allocs.replaceAll(a -> a.getClientStatus() == ClientStatus.CLIENT_PENDING
                    ? a.toBuilder().setClientStatus(ClientStatus.CLIENT_RUNNING).build() : a);
        }
        assertThat(allocs.stream().filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN))
                .extracting(Allocation::getNodeId).containsExactly("n2", "n2", "n2", "n2");
        assertThat(Reconciler.reconcile(four, allocs, nodes, NOW).isEmpty()).isTrue();
    }
}
