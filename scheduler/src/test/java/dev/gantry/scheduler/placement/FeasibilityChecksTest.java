package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.PortRange;
import dev.gantry.api.v1.Resources;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gantry.scheduler.testing.Fixtures.distinctHosts;
import static dev.gantry.scheduler.testing.Fixtures.dynamicPort;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.scheduler.testing.Fixtures.staticPort;
import static org.assertj.core.api.Assertions.assertThat;

/** Each check on its own: one node, one question, the reason it gives. */
class FeasibilityChecksTest {

    private static NodeSlot slot(Node n) {
        return NodeTable.of(List.of(n), List.of()).slot(n.getId());
    }

    @Test
    void readiness() {
        FeasibilityCheck c = NodeReadyCheck.INSTANCE;
        assertThat(c.reject(slot(node("n", 1, 1)))).isNull();
        assertThat(c.reject(slot(node("n", 1, 1).toBuilder().setStatus(NodeStatus.NODE_DOWN).build()))).isEqualTo("node not ready");
        assertThat(c.reject(slot(node("n", 1, 1).toBuilder().setEligible(false).build()))).isEqualTo("node cordoned");
        assertThat(c.reject(slot(node("n", 1, 1).toBuilder().setEligible(false).setDraining(true).build()))).isEqualTo("node draining");
    }

    @Test
    void drivers() {
        NodeTable runcOnly = NodeTable.of(List.of(node("n", 1, 1)), List.of());
        NodeSlot n = runcOnly.slot("n");
        assertThat(new DriverCheck(List.of("runc"), runcOnly).reject(n)).isNull();
        assertThat(new DriverCheck(List.of("runc", "docker"), runcOnly).reject(n)).isEqualTo("missing driver docker");
        NodeTable none = NodeTable.of(List.of(node("n", 1, 1).toBuilder().clearDrivers().build()), List.of());
        assertThat(new DriverCheck(List.of(), none).reject(none.slot("n"))).isEqualTo("no task driver available");
    }

    @Test
    void driversAreComparedByTheTablesNumberingOnMixedNodes() {
        NodeTable t = NodeTable.of(List.of(node("a", 1, 1), node("b", 1, 1).toBuilder().addDrivers("docker").build(),
                node("c", 1, 1).toBuilder().clearDrivers().addDrivers("docker").build()), List.of());
        DriverCheck both = new DriverCheck(List.of("runc", "docker"), t);
        assertThat(both.reject(t.slot("a"))).isEqualTo("missing driver docker");
        assertThat(both.reject(t.slot("b"))).isNull();
        assertThat(both.reject(t.slot("c"))).isEqualTo("missing driver runc");
        assertThat(new DriverCheck(List.of("docker"), t).reject(t.slot("c"))).isNull();
        assertThat(new DriverCheck(List.of("qemu"), t).reject(t.slot("b"))).isEqualTo("missing driver qemu");
    }

    @Test
    void resourcesCountWhatIsAlreadyUsed() {
        NodeSlot s = slot(node("n", 1000, 1024).toBuilder()
                .setCapacity(Resources.newBuilder().setCpuMillis(1000).setMemoryBytes(1024).setDiskBytes(100)).build());
        assertThat(new ResourceCheck(1000, 1024, 100).reject(s)).isNull();
        assertThat(new ResourceCheck(1001, 1, 1).reject(s)).isEqualTo("insufficient cpu");
        assertThat(new ResourceCheck(1, 1025, 1).reject(s)).isEqualTo("insufficient memory");
        assertThat(new ResourceCheck(1, 1, 101).reject(s)).isEqualTo("insufficient disk");
        s.cpuUsed = 600;
        assertThat(new ResourceCheck(500, 1, 1).reject(s)).isEqualTo("insufficient cpu");
    }

    @Test
    void diskIsNotCheckedOnNodesThatDoNotReportIt() {
        assertThat(new ResourceCheck(1, 1, 1L << 40).reject(slot(node("n", 1000, 1024)))).isNull();
    }

    @Test
    void staticPorts() {
        NodeSlot s = slot(node("n", 1, 1));
        s.takePort(8080);
        assertThat(new StaticPortCheck(new int[] {9090}).reject(s)).isNull();
        assertThat(new StaticPortCheck(new int[] {9090, 8080}).reject(s)).isEqualTo("port 8080 in use");
    }

    @Test
    void dynamicPortsCountTheRangeAndTheJobsOwnStaticPortsInIt() {
        NodeSlot s = slot(node("n", 1, 1).toBuilder().setDynamicPorts(PortRange.newBuilder().setLow(30000).setHigh(30002)).build());
        s.takePort(30000);
        assertThat(new DynamicPortCheck(2, new int[0]).reject(s)).isNull();
        assertThat(new DynamicPortCheck(3, new int[0]).reject(s)).isEqualTo("dynamic ports exhausted");
        assertThat(new DynamicPortCheck(2, new int[] {30001}).reject(s)).isEqualTo("dynamic ports exhausted");
        s.takePort(80);   // outside the range: no effect
        assertThat(new DynamicPortCheck(2, new int[0]).reject(s)).isNull();
    }

    @Test
    void distinctHostsRefusesANodeWithAReplica() {
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 4096), node("n2", 4000, 4096)), List.of());
        t.reserve("n1", "default/web", 1, 1, List.of());
        DistinctHostsCheck c = new DistinctHostsCheck("default/web");
        assertThat(c.reject(t.slot("n1"))).isEqualTo("constraint distinct_hosts not met");
        assertThat(c.reject(t.slot("n2"))).isNull();
        assertThat(new DistinctHostsCheck("default/other").reject(t.slot("n1"))).isNull();
    }

    @Test
    void distinctHostsThroughTheEngine() {
        Job web = job("web", 3, 100, 64).toBuilder().addConstraints(distinctHosts()).build();
        PlacementEngine engine = new PlacementEngine();
        NodeTable t = NodeTable.of(List.of(node("n1", 4000, 4096), node("n2", 4000, 4096)), List.of());
        assertThat(engine.place(web, "", t).placed()).isTrue();
        assertThat(engine.place(web, "", t).placed()).isTrue();
        assertThat(engine.place(web, "", t).explain()).isEqualTo("2 nodes evaluated: 2 constraint distinct_hosts not met");
    }

    @Test
    void dynamicPortsAreAssignedAroundStaticOnesInTheRange() {
        Job j = job("j", 1, 1, 1, staticPort("a", 30000), dynamicPort("b"), dynamicPort("c"));
        Node n = node("n", 4000, 4096).toBuilder().setDynamicPorts(PortRange.newBuilder().setLow(30000).setHigh(30002)).build();
        NodeTable t = NodeTable.of(List.of(n), List.of());
        PlacementOutcome o = new PlacementEngine().place(j, "", t);
        assertThat(o.ports().stream().map(p -> p.getValue()).toList()).containsExactly(30000, 30001, 30002);
        assertThat(new PlacementEngine().place(job("k", 1, 1, 1, dynamicPort("x")), "", t).explain())
                .isEqualTo("1 node evaluated: 1 dynamic ports exhausted");
    }
}
