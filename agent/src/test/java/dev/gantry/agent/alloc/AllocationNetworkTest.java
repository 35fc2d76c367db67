package dev.gantry.agent.alloc;

import com.google.protobuf.Duration;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageConfig;
import dev.gantry.agent.network.FakeNetwork;
import dev.gantry.agent.network.PortMapping;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Network;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The allocation runner and its network: set up before the tasks, joined by them, torn down after them. */
class AllocationNetworkTest {
    @TempDir
    Path dir;

    private final FakeDriver driver = new NamespaceJoiningDriver();
    private final FakeNetwork network = new FakeNetwork();
    private final Map<String, AllocationUpdate> reports = new ConcurrentHashMap<>();
    private AllocationSupervisor supervisor;

    private static Job job(Network.Mode mode) {
        return Job.newBuilder().setNamespace("default").setName("redis").setCount(1).setVersion(1)
                .setNetwork(Network.newBuilder().setMode(mode))
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setAttempts(1)
                        .setInterval(Duration.newBuilder().setSeconds(60)).setDelay(Duration.newBuilder().setNanos(1_000_000)))
                .addTasks(Task.newBuilder().setName("redis").setImage("file:/x").addCommand("/bin/redis")
                        .addPorts(Port.newBuilder().setName("redis").setTo(6379))
                        .addPorts(Port.newBuilder().setName("metrics"))
                        .setStopGrace(Duration.newBuilder().setSeconds(1)))
                .build();
    }

    private AllocationSupervisor supervisor() {
        ImageResolver images = ref -> new Image(ref, "sha256:0", List.of(dir), new ImageConfig(List.of(), List.of(), List.of(), "/", ""));
        return new AllocationSupervisor(Map.of("runc", driver), images, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "192.0.2.10"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u), network);
    }

    @AfterEach
    void close() {
        if (supervisor != null) supervisor.close();
    }

    private static DesiredAllocations run(Job job, String id) {
        return DesiredAllocations.newBuilder().addAssignments(Assignment.newBuilder().setJob(job)
                .setAllocation(Allocation.newBuilder().setId(id).setNamespace("default").setJob("redis").setNodeId("n1")
                        .setDesiredStatus(DesiredStatus.DESIRED_RUN)
                        .addPorts(AllocatedPort.newBuilder().setTask("redis").setName("redis").setValue(20000))
                        .addPorts(AllocatedPort.newBuilder().setTask("redis").setName("metrics").setValue(20001)))).build();
    }

    private ClientStatus status(String id) {
        AllocationUpdate u = reports.get(id);
        return u == null ? null : u.getClientStatus();
    }

    @Test
    void aBridgeAllocationsTasksJoinItsNetworkAndLearnItsAddressAndPorts() throws Exception {
        supervisor = supervisor();
        supervisor.apply(run(job(Network.Mode.BRIDGE), "a1"));
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(network.requests).singleElement().satisfies(r -> {
            assertThat(r.mode()).isEqualTo(Network.Mode.BRIDGE);
            assertThat(r.ports()).containsExactlyInAnyOrder(new PortMapping(20000, 6379), new PortMapping(20001, 20001));
        });
        TaskConfig started = driver.started.get(0);
        assertThat(started.network()).isEqualTo(new TaskConfig.NetworkJoin(Path.of("/var/run/netns/gantry-a1"), "10.244.0.2"));
        assertThat(started.env()).contains("GANTRY_ALLOC_IP=10.244.0.2", "GANTRY_PORT_REDIS=6379", "GANTRY_HOST_PORT_REDIS=20000",
                "GANTRY_PORT_METRICS=20001", "GANTRY_HOST_PORT_METRICS=20001", "GANTRY_ADDR_REDIS=192.0.2.10:20000");
        assertThat(reports.get("a1").getAddress()).isEqualTo("10.244.0.2");

        supervisor.apply(DesiredAllocations.getDefaultInstance());
        eventually(() -> status("a1") == ClientStatus.CLIENT_COMPLETE && network.calls.contains("tearDown gantry-a1"));
        assertThat(driver.destroyed).contains("a1-redis");
        assertThat(network.calls).containsExactly("setUp gantry-a1", "tearDown gantry-a1");
        assertThat(network.live).isEmpty();
    }

    @Test
    void hostModeTasksShareTheNodesNetworkAndListenOnTheHostPorts() throws Exception {
        supervisor = supervisor();
        supervisor.apply(run(job(Network.Mode.HOST).toBuilder().setTasks(0, job(Network.Mode.HOST).getTasks(0).toBuilder()
                .setPorts(0, Port.newBuilder().setName("redis"))).build(), "h1"));
        eventually(() -> status("h1") == ClientStatus.CLIENT_RUNNING);
        assertThat(driver.started.get(0).network()).isEqualTo(TaskConfig.NetworkJoin.HOST);
        assertThat(driver.started.get(0).env()).contains("GANTRY_ALLOC_IP=192.0.2.10", "GANTRY_PORT_REDIS=20000",
                "GANTRY_HOST_PORT_REDIS=20000");
        assertThat(reports.get("h1").getAddress()).isEmpty();
    }

    @Test
    void aNetworkThatCannotBeSetUpFailsTheStartWithTheReasonAndIsTornDownWhenTheAllocationFails() throws Exception {
        network.failWith = "CNI plugin bridge ADD failed (code 11): no IP addresses available in range set";
        supervisor = supervisor();
        supervisor.apply(run(job(Network.Mode.BRIDGE), "f1"));
        eventually(() -> status("f1") == ClientStatus.CLIENT_FAILED);
        assertThat(driver.started).isEmpty();
        assertThat(reports.get("f1").getTaskStatesMap().get("redis").getMessage())
                .contains("could not start: CNI plugin bridge ADD failed (code 11): no IP addresses available");
        eventually(() -> network.calls.contains("tearDown gantry-f1"));
        assertThat(network.calls).containsExactly("setUp gantry-f1", "setUp gantry-f1", "tearDown gantry-f1");
    }

    @Test
    void aRestartedAgentKeepsTheAllocationsAddressAndRemovesNetworksNoOneOwns() throws Exception {
        supervisor = supervisor();
        supervisor.apply(run(job(Network.Mode.BRIDGE), "r1"));
        eventually(() -> status("r1") == ClientStatus.CLIENT_RUNNING);
        supervisor.close();
        network.leave("gone1", Network.Mode.BRIDGE); // an allocation that ended while no agent ran

        reports.clear();
        supervisor = supervisor();
        supervisor.recover();
        assertThat(supervisor.removeOrphanNetworks()).containsExactly("gantry-gone1");
        eventually(() -> status("r1") == ClientStatus.CLIENT_RUNNING && reports.get("r1").getAddress().equals("10.244.0.2"));
        assertThat(driver.started).hasSize(1);
        assertThat(network.live).containsOnlyKeys("gantry-r1");
        assertThat(network.calls).doesNotContain("tearDown gantry-r1");
    }

    @Test
    void aDriverThatCannotJoinTheNamespaceIsRefusedRatherThanRunningTheTaskInAnotherNetwork() throws Exception {
        FakeDriver plain = new FakeDriver();
        ImageResolver images = ref -> new Image(ref, "sha256:0", List.of(dir), new ImageConfig(List.of(), List.of(), List.of(), "/", ""));
        supervisor = new AllocationSupervisor(Map.of("runc", plain), images, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "192.0.2.10"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u), network);
        supervisor.apply(run(job(Network.Mode.BRIDGE), "d1"));
        eventually(() -> status("d1") == ClientStatus.CLIENT_FAILED);
        assertThat(reports.get("d1").getTaskStatesMap().get("redis").getMessage())
                .contains("cannot run a task in its allocation's own network yet; network mode bridge needs the runc driver");
        assertThat(plain.started).isEmpty();
        assertThat(network.calls).doesNotContain("setUp gantry-d1");
    }

    /** A fake driver that, as runc, runs tasks in the namespace it is given. */
    private static final class NamespaceJoiningDriver extends FakeDriver implements dev.gantry.agent.driver.NetworkNamespaceJoining {
    }
}
