package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.constraint;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.withLabels;
import static org.assertj.core.api.Assertions.assertThat;

/** distinct_property: at most N replicas of a job per value of an attribute (here, per rack). */
class DistinctPropertyTest {
    private final Node r1a = withLabels(node("n1", 4000, 4096), "rack", "r1");
    private final Node r1b = withLabels(node("n2", 4000, 4096), "rack", "r1");
    private final Node r2a = withLabels(node("n3", 4000, 4096), "rack", "r2");
    private final Node noRack = node("n4", 4000, 4096);

    private static Job web(int count, String limit) {
        return job("web", count, 100, 64).toBuilder()
                .addConstraints(constraint("node.labels.rack", "distinct_property", limit)).build();
    }

    /** The nodes one more replica of {@code j} may use now, in id order. */
    private static List<String> feasible(Job j, NodeTable t) {
        PlacementRequest req = PlacementRequest.compile(j, PlacementSettings.defaults(), t);
        return t.slots().stream().filter(s -> req.reject(s) == null).map(NodeSlot::id).toList();
    }

    @Test
    void countsTheJobsReplicasPerValueAndRefusesNodesWithoutTheAttribute() {
        Job j = web(3, "2");
        NodeTable t = NodeTable.of(List.of(r1a, r1b, r2a, noRack), List.of(alloc("a", j, 0, "n1", ClientStatus.CLIENT_RUNNING)));
        assertThat(feasible(j, t)).containsExactly("n1", "n2", "n3");
        t.reserve("n2", "default/web", 100, 64, List.of());
        assertThat(feasible(j, t)).containsExactly("n3");

        PlacementRequest req = PlacementRequest.compile(j, PlacementSettings.defaults(), t);
        assertThat(req.reject(t.slot("n1"))).isEqualTo("constraint distinct_property node.labels.rack limit 2 reached");
        assertThat(req.reject(t.slot("n4"))).isEqualTo("constraint distinct_property node.labels.rack not set");
        // Another job's replicas do not count.
        assertThat(feasible(job("other", 1, 100, 64).toBuilder()
                .addConstraints(constraint("node.labels.rack", "distinct_property", "2")).build(), t))
                .containsExactly("n1", "n2", "n3");
    }

    @Test
    void anEmptyValueMeansOneAndABadOneAllowsNothing() {
        NodeTable t = NodeTable.of(List.of(r1a, r1b, r2a), List.of(alloc("a", web(1, ""), 0, "n1", ClientStatus.CLIENT_RUNNING)));
        assertThat(feasible(web(2, ""), t)).containsExactly("n3");
        assertThat(feasible(web(2, "0"), t)).isEmpty();
        assertThat(PlacementRequest.compile(web(2, "two"), PlacementSettings.defaults(), t).reject(t.slot("n3")))
                .isEqualTo("constraint distinct_property node.labels.rack has an invalid limit \"two\"");
    }

    @Test
    void aStoppingReplicaDoesNotCount() {
        Job j = web(1, "1");
        var stopping = alloc("a", j, 0, "n1", ClientStatus.CLIENT_RUNNING).toBuilder()
                .setDesiredStatus(DesiredStatus.DESIRED_STOP).build();
        assertThat(feasible(j, NodeTable.of(List.of(r1a, r2a), List.of(stopping)))).containsExactly("n1", "n3");
    }

    @Test
    void theEngineCountsReplicasPlacedEarlierAndExplainsWhyItStops() {
        Job j = web(5, "2");
        PlacementEngine engine = new PlacementEngine();
        NodeTable t = NodeTable.of(List.of(r1a, r1b, r2a, noRack), List.of());
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            PlacementOutcome o = engine.place(j, "", t);
            assertThat(o.placed()).as("replica %d: %s", i, o.explain()).isTrue();
            placed.add(o.nodeId().get());
        }
        assertThat(placed.stream().filter(n -> n.equals("n1") || n.equals("n2"))).hasSize(2);
        assertThat(placed.stream().filter(n -> n.equals("n3"))).hasSize(2);
        assertThat(placed).doesNotContain("n4");

        PlacementOutcome fifth = engine.place(j, "", t);
        assertThat(fifth.placed()).isFalse();
        assertThat(fifth.explain()).isEqualTo("4 nodes evaluated: 3 constraint distinct_property node.labels.rack limit 2 reached,"
                + " 1 constraint distinct_property node.labels.rack not set");
    }

    @Test
    void spellingsOfOneAttributeShareTheCount() {
        Node a = node("a", 4000, 4096).toBuilder().putAttributes("os.arch", "amd64").build();
        Node b = node("b", 4000, 4096).toBuilder().putAttributes("os.arch", "amd64").build();
        Job j = job("web", 2, 100, 64).toBuilder()
                .addConstraints(constraint("node.os.arch", "distinct_property", "1"))
                .addConstraints(constraint("${os.arch}", "distinct_property", "1")).build();
        PlacementEngine engine = new PlacementEngine();
        NodeTable t = NodeTable.of(List.of(a, b), List.of());
        assertThat(engine.place(j, "", t).placed()).isTrue();
        assertThat(engine.place(j, "", t).explain())
                .isEqualTo("2 nodes evaluated: 2 constraint distinct_property node.os.arch limit 1 reached");
    }
}
