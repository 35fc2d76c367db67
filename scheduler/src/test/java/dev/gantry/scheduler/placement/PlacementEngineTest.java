package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.dynamicPort;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.staticPort;
import static org.assertj.core.api.Assertions.assertThat;

class PlacementEngineTest {
    private final PlacementEngine engine = new PlacementEngine();

    @Test
    void spreadsReplicasOfAJobAcrossNodes() {
        Job web = job("web", 3, 100, 64);
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 4096), node("n2", 4000, 4096), node("n3", 4000, 4096)), List.of());
        List<String> chosen = List.of(engine.place(web, "", t), engine.place(web, "", t), engine.place(web, "", t))
                .stream().map(o -> o.nodeId().orElseThrow()).toList();
        assertThat(chosen).containsExactlyInAnyOrder("n1", "n2", "n3");
    }

    @Test
    void neverOvercommitsMemoryAndExplainsWhy() {
        Job big = job("big", 1, 100, 600);
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 1024)), List.of());
        assertThat(engine.place(big, "", t).placed()).isTrue();
        PlacementOutcome second = engine.place(big, "", t);
        assertThat(second.placed()).isFalse();
        assertThat(second.explain()).isEqualTo("1 node evaluated: 1 insufficient memory");
    }

    @Test
    void countsFailureReasonsPerNode() {
        Job j = job("j", 1, 2000, 64);
        Node small = node("small", 1000, 4096);
        Node cordoned = node("cordoned", 8000, 4096).toBuilder().setEligible(false).build();
        Node down = node("down", 8000, 4096).toBuilder().setStatus(dev.gantry.api.v1.NodeStatus.NODE_DOWN).build();
        Node small2 = node("small2", 1500, 4096);
        PlacementOutcome o = engine.place(j, "", NodeTable.of(List.of(small, cordoned, down, small2), List.of()));
        assertThat(o.placed()).isFalse();
        assertThat(o.explain()).isEqualTo("4 nodes evaluated: 2 insufficient cpu, 1 node cordoned, 1 node not ready");
    }

    @Test
    void existingAllocationsCountAgainstCapacity() {
        Job web = job("web", 1, 600, 64);
        NodeTable t = NodeTable.of(List.of(node("n1", 1000, 4096)), List.of(alloc("a", web, 0, "n1", ClientStatus.CLIENT_RUNNING)));
        assertThat(engine.place(web, "", t).placed()).isFalse();
    }

    @Test
    void aStaticPortIsUsedOncePerNode() {
        Job web = job("web", 2, 100, 64, staticPort("http", 8080));
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 4096)), List.of());
        PlacementOutcome first = engine.place(web, "", t);
        assertThat(first.ports()).singleElement().satisfies(p -> assertThat(p.getValue()).isEqualTo(8080));
        PlacementOutcome second = engine.place(web, "", t);
        assertThat(second.explain()).isEqualTo("1 node evaluated: 1 port 8080 in use");
    }

    @Test
    void dynamicPortsAreDistinctOnANode() {
        Job web = job("web", 2, 100, 64, dynamicPort("http"), dynamicPort("admin"));
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 4096)), List.of());
        var a = engine.place(web, "", t).ports();
        var b = engine.place(web, "", t).ports();
        assertThat(a).hasSize(2);
        assertThat(a.stream().map(p -> p.getValue()).toList()).doesNotContainAnyElementsOf(b.stream().map(p -> p.getValue()).toList());
        assertThat(a.get(0).getValue()).isEqualTo(NodeTable.DEFAULT_PORT_LOW);
    }

    @Test
    void avoidsTheNodeAReplicaJustFailedOn() {
        Job web = job("web", 1, 100, 64);
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 4096), node("n2", 4000, 4096)), List.of());
        assertThat(engine.place(web, "n1", t).nodeId()).contains("n2");
    }

    @Test
    void binPacksOtherwise() {
        Job web = job("web", 1, 100, 64);
        Job other = job("other", 1, 1000, 1024);
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 4096), node("n2", 4000, 4096)),
                List.of(alloc("o", other, 0, "n2", ClientStatus.CLIENT_RUNNING)));
        PlacementOutcome o = engine.place(web, "", t);
        assertThat(o.nodeId()).contains("n2");
        assertThat(o.scores()).containsKeys("anti-affinity", "binpack");
    }

    @Test
    void aMissingDriverIsNotFeasible() {
        Job docker = job("d", 1, 100, 64).toBuilder().setTasks(0, job("d", 1, 100, 64).getTasks(0).toBuilder().setDriver("docker")).build();
        PlacementOutcome o = engine.place(docker, "", NodeTable.of(List.of(node("n1", 4000, 4096)), List.of()));
        assertThat(o.explain()).isEqualTo("1 node evaluated: 1 missing driver docker");
    }

    @Test
    void aStoppingAllocationHoldsItsPortsUntilItHasEnded() {
        Job web = job("web", 1, 100, 64, staticPort("http", 8080));
        var stopping = alloc("old", web, 0, "n1", ClientStatus.CLIENT_RUNNING).toBuilder()
                .setDesiredStatus(dev.gantry.api.v1.DesiredStatus.DESIRED_STOP)
                .addPorts(dev.gantry.api.v1.AllocatedPort.newBuilder().setName("http").setValue(8080)).build();
        assertThat(engine.place(web, "", NodeTable.of(List.of(node("n1", 4000, 4096)), List.of(stopping))).explain())
                .isEqualTo("1 node evaluated: 1 port 8080 in use");
        var ended = stopping.toBuilder().setClientStatus(ClientStatus.CLIENT_COMPLETE).build();
        assertThat(engine.place(web, "", NodeTable.of(List.of(node("n1", 4000, 4096)), List.of(ended))).placed()).isTrue();
    }
}
