package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Spread;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.spread;
import static dev.gantry.scheduler.testing.Fixtures.withLabels;
import static org.assertj.core.api.Assertions.assertThat;

class SpreadScorerTest {

    /** Three nodes per zone, named so that bin-packing and ids alone would favour zone "a". */
    private static List<Node> cluster(String... zones) {
        List<Node> nodes = new ArrayList<>();
        for (String z : zones) {
            for (int i = 0; i < 3; i++) nodes.add(withLabels(node(z + i, 8000, 8192), "zone", z));
        }
        return nodes;
    }

    /** Replicas per zone after placing the whole job. */
    private static Map<String, Integer> place(Job j, List<Node> nodes) {
        NodeTable t = NodeTable.of(nodes, List.of());
        PlacementEngine engine = new PlacementEngine();
        Map<String, Integer> perZone = new TreeMap<>();
        for (int i = 0; i < j.getCount(); i++) {
            String id = engine.place(j, "", t).nodeId().orElseThrow();
            perZone.merge(t.slot(id).labels.get("zone"), 1, Integer::sum);
        }
        return perZone;
    }

    private static Job job(int count, Spread s) {
        return dev.gantry.scheduler.testing.Fixtures.job("web", count, 100, 64).toBuilder().addSpread(s).build();
    }

    @Test
    void fiftyFiftyOverTwoZones() {
        assertThat(place(job(4, spread("node.labels.zone", "a", "50%", "b", "50%")), cluster("a", "b")))
                .isEqualTo(Map.of("a", 2, "b", 2));
    }

    @Test
    void seventyFiveTwentyFive() {
        assertThat(place(job(4, spread("node.labels.zone", "a", "75%", "b", "25%")), cluster("a", "b")))
                .isEqualTo(Map.of("a", 3, "b", 1));
        assertThat(place(job(4, spread("node.labels.zone", "a", "25%", "b", "75%")), cluster("a", "b")))
                .isEqualTo(Map.of("a", 1, "b", 3));
    }

    @Test
    void withoutTargetsEvenlyOverTheValuesPresent() {
        assertThat(place(job(6, spread("node.labels.zone")), cluster("a", "b", "c")))
                .isEqualTo(Map.of("a", 2, "b", 2, "c", 2));
    }

    @Test
    void unnamedValuesShareWhatTheTargetsLeave() {
        assertThat(place(job(8, spread("node.labels.zone", "a", "50%")), cluster("a", "b", "c")))
                .isEqualTo(Map.of("a", 4, "b", 2, "c", 2));
    }

    @Test
    void replicasAlreadyPlacedCount() {
        List<Node> nodes = cluster("a", "b");
        Job web = job(4, spread("node.labels.zone", "a", "50%", "b", "50%"));
        NodeTable t = NodeTable.of(nodes, List.of());
        t.reserve("a0", "default/web", 100, 64L << 20, List.of());
        t.reserve("a1", "default/web", 100, 64L << 20, List.of());
        PlacementEngine engine = new PlacementEngine();
        assertThat(engine.place(web, "", t).nodeId().orElseThrow()).startsWith("b");
        assertThat(engine.place(web, "", t).nodeId().orElseThrow()).startsWith("b");
    }

    @Test
    void aNodeWithoutTheAttributeScoresLowest() {
        NodeTable t = NodeTable.of(List.of(node("bare", 8000, 8192), withLabels(node("z", 8000, 8192), "zone", "a")), List.of());
        PlacementOutcome o = new PlacementEngine().place(job(2, spread("node.labels.zone")), "", t);
        assertThat(o.nodeId()).contains("z");
        assertThat(o.scores()).containsEntry("spread", 1.0);
    }
}
