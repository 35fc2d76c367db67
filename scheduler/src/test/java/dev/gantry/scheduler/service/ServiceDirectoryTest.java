package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import dev.gantry.api.v1.ServiceEndpoint;
import dev.gantry.api.v1.TaskState;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The catalog of ready replicas and the changes between snapshots that agents are sent. */
class ServiceDirectoryTest {
    private final Map<String, Versioned<Allocation>> allocations = new HashMap<>();
    private final Map<String, Versioned<Node>> nodes = new HashMap<>();
    private final ServiceDirectory directory = new ServiceDirectory();
    private long revision;

    private void node(String id, String address, NodeStatus status) {
        nodes.put(id, new Versioned<>(Node.newBuilder().setId(id).setAddress(address).setStatus(status).build(), ++revision));
    }

    private void allocation(String id, String node, int index, boolean ready) {
        allocations.put(id, new Versioned<>(Allocation.newBuilder().setId(id).setNamespace("default").setJob("web")
                .setIndex(index).setNodeId(node).setDesiredStatus(DesiredStatus.DESIRED_RUN)
                .setClientStatus(ClientStatus.CLIENT_RUNNING)
                .putTaskStates("web", TaskState.newBuilder().setHealthy(ready).build()).build(), ++revision));
    }

    private ServiceCatalogUpdate advance() {
        return directory.advance(new Snapshot(++revision, Map.of(), Map.copyOf(allocations), Map.copyOf(nodes), Map.of()));
    }

    private static java.util.List<String> upsertedIds(ServiceCatalogUpdate u) {
        return u.getUpsertedList().stream().map(e -> e.getEndpoint().getAllocationId()).toList();
    }

    @Test
    void sendsOnlyWhatChangedInReadinessAllocationsAndNodes() {
        node("n1", "10.0.0.1:7422", NodeStatus.NODE_READY);
        node("n2", "[fd00::2]:7422", NodeStatus.NODE_READY);
        allocation("a1", "n1", 0, true);
        allocation("a2", "n2", 1, false);

        assertThat(upsertedIds(advance())).containsExactly("a1");
        ServiceEndpoint e = directory.whole().getUpserted(0);
        assertThat(directory.whole().getFull()).isTrue();
        assertThat(e.getEndpoint().getAddress()).isEqualTo("10.0.0.1");
        assertThat(e.getEndpoint().getIndex()).isZero();
        assertThat(e.getNamespace()).isEqualTo("default");

        allocation("a2", "n2", 1, true);
        ServiceCatalogUpdate ready = advance();
        assertThat(upsertedIds(ready)).containsExactly("a2");
        assertThat(ready.getUpserted(0).getEndpoint().getAddress()).isEqualTo("fd00::2");
        assertThat(ready.getRemovedList()).isEmpty();

        node("n1", "10.0.0.1:7422", NodeStatus.NODE_DOWN);
        ServiceCatalogUpdate down = advance();
        assertThat(down.getRemovedList()).containsExactly("a1");
        assertThat(down.getUpsertedList()).isEmpty();

        allocations.remove("a2");
        assertThat(advance().getRemovedList()).containsExactly("a2");
        assertThat(advance()).isEqualTo(ServiceCatalogUpdate.getDefaultInstance());
        assertThat(directory.whole().getUpsertedList()).isEmpty();
    }

    @Test
    void afterAResetTheNextAdvanceIsTheWholeCatalogAgain() {
        node("n1", "10.0.0.1:7422", NodeStatus.NODE_READY);
        allocation("a1", "n1", 0, true);
        advance();

        directory.reset();

        assertThat(upsertedIds(advance())).containsExactly("a1");
    }

    @Test
    void aReplicaWithItsOwnAddressIsReachedThereOnThePortsItListensOnInside() {
        node("n1", "10.0.0.1:7422", NodeStatus.NODE_READY);
        allocations.put("a1", new Versioned<>(Allocation.newBuilder().setId("a1").setNamespace("default").setJob("web")
                .setNodeId("n1").setDesiredStatus(DesiredStatus.DESIRED_RUN).setClientStatus(ClientStatus.CLIENT_RUNNING)
                .setAddress("10.244.0.7")
                .addPorts(dev.gantry.api.v1.AllocatedPort.newBuilder().setTask("web").setName("redis").setValue(21000))
                .addPorts(dev.gantry.api.v1.AllocatedPort.newBuilder().setTask("web").setName("admin").setValue(21001))
                .putTaskStates("web", TaskState.newBuilder().setHealthy(true).build()).build(), ++revision));
        var job = dev.gantry.api.v1.Job.newBuilder().setNamespace("default").setName("web")
                .addTasks(dev.gantry.api.v1.Task.newBuilder().setName("web")
                        .addPorts(dev.gantry.api.v1.Port.newBuilder().setName("redis").setTo(6379))
                        .addPorts(dev.gantry.api.v1.Port.newBuilder().setName("admin"))).build();
        var e = directory.advance(new Snapshot(++revision, Map.of("default/web", new Versioned<>(job, 1)), Map.copyOf(allocations),
                Map.copyOf(nodes), Map.of())).getUpserted(0).getEndpoint();
        assertThat(e.getAddress()).isEqualTo("10.244.0.7");
        assertThat(e.getPortsList()).extracting(dev.gantry.api.v1.AllocatedPort::getValue).containsExactly(6379, 21001);
    }
}
