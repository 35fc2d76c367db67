package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Job;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gantry.scheduler.testing.Fixtures.affinity;
import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.withLabels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each scorer on its own, then what it does to a choice through the engine. */
class ScorersTest {
    private final Job other = job("other", 1, 1000, 1024);

    /** n1 empty, n2 a quarter used (1000m of 4000m, 1Gi of 4Gi). */
    private NodeTable twoNodes() {
        return NodeTable.of(List.of(node("n1", 4000, 4096), node("n2", 4000, 4096)),
                List.of(alloc("o", other, 0, "n2", ClientStatus.CLIENT_RUNNING)));
    }

    @Test
    void binPackPrefersTheFullerNodeAndLeastAllocatedTheEmptier() {
        NodeTable t = twoNodes();
        BinPackScorer pack = new BinPackScorer(1000, 1024L << 20);
        assertThat(pack.score(t.slot("n1"))).isCloseTo(0.25, within(1e-9));
        assertThat(pack.score(t.slot("n2"))).isCloseTo(0.5, within(1e-9));
        assertThat(new LeastAllocatedScorer(1000, 1024L << 20).score(t.slot("n1"))).isCloseTo(0.75, within(1e-9));

        Job web = job("web", 1, 100, 64);
        assertThat(new PlacementEngine().place(web, "", twoNodes()).nodeId()).contains("n2");
        PlacementOutcome spread = new PlacementEngine(PlacementSettings.exhaustive(CapacityScoring.SPREAD)).place(web, "", twoNodes());
        assertThat(spread.nodeId()).contains("n1");
        assertThat(spread.scores()).containsKey("least-allocated").doesNotContainKey("binpack");
    }

    @Test
    void antiAffinityGrowsWithCollisions() {
        NodeTable t = twoNodes();
        JobAntiAffinityScorer s = new JobAntiAffinityScorer("default/other", 4);
        assertThat(s.score(t.slot("n1"))).isZero();
        assertThat(s.score(t.slot("n2"))).isCloseTo(-0.5, within(1e-9));
        assertThat(new JobAntiAffinityScorer("default/other", 1).score(t.slot("n2"))).isEqualTo(-1);
    }

    @Test
    void avoidPenalisesOneNode() {
        NodeTable t = twoNodes();
        assertThat(new AvoidNodeScorer("n2").score(t.slot("n2"))).isEqualTo(-1);
        assertThat(new AvoidNodeScorer("n2").score(t.slot("n1"))).isZero();
    }

    @Test
    void affinitiesAreWeightedAndNormalised() {
        NodeTable t = NodeTable.of(List.of(withLabels(node("n1", 4000, 4096), "disk", "ssd", "zone", "a"),
                withLabels(node("n2", 4000, 4096), "disk", "hdd", "zone", "a")), List.of());
        Job j = job("j", 1, 100, 64).toBuilder()
                .addAffinities(affinity("node.labels.disk", "=", "ssd", 50))
                .addAffinities(affinity("node.labels.zone", "=", "a", -25))
                .build();
        PlacementRequest req = PlacementRequest.compile(j, PlacementSettings.defaults(), t);
        Scorer affinity = List.of(req.scorers()).stream().filter(s -> s.name().equals("affinity")).findFirst().orElseThrow();
        assertThat(affinity.score(t.slot("n1"))).isCloseTo(25.0 / 75, within(1e-9));
        assertThat(affinity.score(t.slot("n2"))).isCloseTo(-25.0 / 75, within(1e-9));
    }

    @Test
    void anAffinityOutweighsBinPacking() {
        NodeTable t = NodeTable.of(List.of(withLabels(node("n1", 4000, 4096), "disk", "ssd"), node("n2", 4000, 4096)),
                List.of(alloc("o", other, 0, "n2", ClientStatus.CLIENT_RUNNING)));
        Job j = job("j", 1, 100, 64).toBuilder().addAffinities(affinity("node.labels.disk", "=", "ssd", 50)).build();
        PlacementOutcome o = new PlacementEngine().place(j, "", t);
        assertThat(o.nodeId()).contains("n1");
        assertThat(o.scores()).containsEntry("affinity", 1.0);
    }

    @Test
    void everyPartIsKeptOnTheOutcome() {
        PlacementOutcome o = new PlacementEngine().place(job("web", 2, 100, 64), "n2", twoNodes());
        assertThat(o.scores()).containsOnlyKeys("binpack", "anti-affinity", "avoid");
        assertThat(o.nodeId()).contains("n1");
        assertThat(o.scores().get("avoid")).isZero();
    }
}
