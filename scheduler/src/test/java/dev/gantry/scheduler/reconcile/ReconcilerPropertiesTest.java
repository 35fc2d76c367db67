package dev.gantry.scheduler.reconcile;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.scheduler.testing.Fixtures;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reconcile is idempotent: applying its decisions (stops marked, placements made on a ready
 * node) and reconciling again leaves nothing to do (a rollout's next step waits for health;
 * the replacement of a failed replica waits out its backoff), and every replica index below
 * {@code count} wanted or waiting. Over random jobs and allocations on ready, down and unknown nodes (drains are
 * covered by their own tests: a migration legitimately takes more than one step).
 */
class ReconcilerPropertiesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Map<String, Node> NODES = Map.of(
            "n0", Fixtures.node("n0", 4000, 4096),
            "n1", Fixtures.node("n1", 4000, 4096),
            "down", Fixtures.node("down", 4000, 4096).toBuilder().setStatus(NodeStatus.NODE_DOWN).build());

    record Case(Job job, List<Allocation> allocations) {
    }

    @Property(tries = 500)
    void reconcilingItsOwnOutcomeAgainGivesNothingToDo(@ForAll("cases") Case c) {
        Reconciliation first = Reconciler.reconcile(c.job(), c.allocations(), NODES, NOW);
        List<Allocation> after = apply(c.job(), c.allocations(), first);

        Reconciliation second = Reconciler.reconcile(c.job(), after, NODES, NOW);
        assertThat(second.isEmpty()).as("second reconcile of %s", first).isTrue();
        assertThat(second.deferred()).as("the same replicas still wait").isEqualTo(first.deferred());
        // Every index below count is served (during a rollout perhaps by an outdated replica
        // beside its replacement) or waits after a failure, nothing above it, and each index
        // has one current replica at most.
        List<Allocation> wanted = after.stream().filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN).toList();
        int count = c.job().getStopped() ? 0 : c.job().getCount();
        java.util.Set<Integer> served = new java.util.TreeSet<>();
        wanted.forEach(a -> served.add(a.getIndex()));
        first.deferred().forEach(d -> assertThat(served.add(d.index())).as("index %s waits and is served", d.index()).isTrue());
        assertThat(List.copyOf(served)).isEqualTo(java.util.stream.IntStream.range(0, count).boxed().toList());
        assertThat(wanted.stream().filter(a -> a.getJobVersion() == c.job().getVersion()).map(Allocation::getIndex))
                .doesNotHaveDuplicates();
    }

    private static List<Allocation> apply(Job job, List<Allocation> before, Reconciliation r) {
        Map<String, Allocation> byId = new HashMap<>();
        before.forEach(a -> byId.put(a.getId(), a));
        for (Reconciliation.Stop s : r.stop()) {
            Allocation.Builder b = s.allocation().toBuilder()
                    .setDesiredStatus(DesiredStatus.DESIRED_STOP).setClientStatus(s.clientStatus());
            if (s.failure()) b.setFailedAt(Timestamps.fromMillis(NOW.toEpochMilli()));   // as the evaluator writes it
            byId.put(s.allocation().getId(), b.build());
        }
        List<Allocation> out = new ArrayList<>(byId.values());
        int k = 0;
        for (Reconciliation.Placement p : r.place()) {
            String node = p.avoidNode().equals("n0") ? "n1" : "n0";
            out.add(Allocation.newBuilder().setId("new" + k).setNamespace(job.getNamespace()).setJob(job.getName())
                    .setJobVersion(job.getVersion()).setIndex(p.index()).setNodeId(node)
                    .setDesiredStatus(DesiredStatus.DESIRED_RUN).setClientStatus(ClientStatus.CLIENT_PENDING)
                    .setCreateTime(Timestamps.fromSeconds(10_000 + k++)).build());
        }
        return out;
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Job> jobs = Combinators.combine(
                        Arbitraries.integers().between(0, 5), Arbitraries.longs().between(1, 3), Arbitraries.of(false, false, true))
                .as((count, version, stopped) -> Fixtures.job("web", count, 100, 64).toBuilder()
                        .setVersion(version).setStopped(stopped).build());
        Arbitrary<Allocation> allocations = Combinators.combine(
                        Arbitraries.integers().between(0, 6),
                        Arbitraries.longs().between(1, 3),
                        Arbitraries.of("n0", "n1", "down", "gone"),
                        Arbitraries.of(ClientStatus.CLIENT_PENDING, ClientStatus.CLIENT_RUNNING, ClientStatus.CLIENT_FAILED,
                                ClientStatus.CLIENT_COMPLETE),
                        Arbitraries.of(DesiredStatus.DESIRED_RUN, DesiredStatus.DESIRED_RUN, DesiredStatus.DESIRED_STOP),
                        Arbitraries.integers().between(0, 20))
                .as((index, version, node, status, desired, created) -> Allocation.newBuilder()
                        .setNamespace("default").setJob("web").setIndex(index).setJobVersion(version).setNodeId(node)
                        .setClientStatus(status).setDesiredStatus(desired)
                        .setCreateTime(Timestamps.fromSeconds(1000 + created)).build());
        return Combinators.combine(jobs, allocations.list().ofMaxSize(8)).as((job, list) -> {
            List<Allocation> named = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) named.add(list.get(i).toBuilder().setId("a" + i).build());
            return new Case(job, named);
        });
    }
}
