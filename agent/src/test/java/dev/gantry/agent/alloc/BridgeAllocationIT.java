package dev.gantry.agent.alloc;

import com.google.protobuf.Duration;
import dev.gantry.agent.driver.TestImage;
import dev.gantry.agent.driver.runc.RuncDriver;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.network.CniPlugins;
import dev.gantry.agent.network.NetworkModes;
import dev.gantry.agent.network.NetworkRequest;
import dev.gantry.agent.network.NetworkSettings;
import dev.gantry.agent.network.Subnet;
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
import dev.gantry.api.v1.Task;
import dev.gantry.testing.HostNetworkState;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.gantry.testing.Eventually.eventually;
import static dev.gantry.testing.HostNetworkState.httpGet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bridge mode end to end on one node: real runc + conmon containers in namespaces wired by the
 * real CNI plugins. Two replicas that both listen on 8080 inside run side by side.
 */
class BridgeAllocationIT {
    /** Chains that every bridge allocation shares and that stay once made (as the bridge itself does). */
    private static final Set<String> SHARED_CHAINS = Set.of("nat CNI-HOSTPORT-DNAT", "nat CNI-HOSTPORT-MASQ",
            "nat CNI-HOSTPORT-SETMARK", "filter CNI-FORWARD", "filter CNI-ADMIN");

    private Path work;
    private RuncDriver driver;
    private AllocationSupervisor supervisor;
    private String bridge;
    private final Map<String, AllocationUpdate> reports = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        RuntimeRequirements.requireRuncHost();
        RuntimeRequirements.requireCniHost();
        work = Files.createTempDirectory("gantry-bridge-it");
        bridge = HostNetworkState.randomBridge();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (supervisor != null) supervisor.close();
        if (driver != null) driver.close();
        if (bridge != null) HostNetworkState.deleteLink(bridge);
        if (work != null) {
            try (var paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void twoReplicasListeningOnOnePortInsideAreEachReachedOnTheirOwnAddressAndHostPortAndLeaveNothing() throws Exception {
        Subnet subnet = Subnet.parse(HostNetworkState.randomSubnet());
        Path networkState = work.resolve("network");
        NetworkModes networks = NetworkModes.create(new NetworkSettings(subnet, bridge, null, CniPlugins.DEFAULT_DIRS, networkState));
        assertThat(networks.bridgeUnavailable()).isEmpty();
        ImageStore images = new ImageStore(work.resolve("images"));
        String image = "file:" + TestImage.archive(work.resolve("image"));
        driver = new RuncDriver(work.resolve("runc"));
        supervisor = new AllocationSupervisor(Map.of("runc", driver), ImageResolver.of(images), new LocalState(work.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u), networks);

        Job job = Job.newBuilder().setNamespace("default").setName("web").setCount(2).setVersion(1)
                .setNetwork(Network.newBuilder().setMode(Network.Mode.BRIDGE))
                .addTasks(Task.newBuilder().setName("web").setImage(image)
                        .addCommand("/bin/sh").addArgs("-c").addArgs("echo \"replica $GANTRY_ALLOC_ID at $GANTRY_ALLOC_IP"
                                + " host port $GANTRY_HOST_PORT_HTTP\" > /www/index.html; exec httpd -f -p $GANTRY_PORT_HTTP -h /www")
                        .addPorts(Port.newBuilder().setName("http").setTo(8080))
                        .setStopGrace(Duration.newBuilder().setSeconds(2)))
                .build();
        List<String> chainsBefore = HostNetworkState.iptablesChains();
        String a = "bridge-it-a-" + Long.toHexString(System.nanoTime());
        String b = "bridge-it-b-" + Long.toHexString(System.nanoTime());
        int portA = freePort();
        int portB = freePort();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, a, 0, portA))
                .addAssignments(assignment(job, b, 1, portB)).build());
        eventually("both replicas running with an address", java.time.Duration.ofSeconds(60), () -> running(a) && running(b));
        String ipA = reports.get(a).getAddress();
        String ipB = reports.get(b).getAddress();
        assertThat(List.of(ipA, ipB)).allMatch(subnet::contains).doesNotHaveDuplicates();

        awaitServing(ipA, 8080);
        awaitServing(ipB, 8080);
        assertThat(httpGet(ipA, 8080)).contains("replica " + a + " at " + ipA + " host port " + portA);
        assertThat(httpGet(ipB, 8080)).contains("replica " + b + " at " + ipB + " host port " + portB);
        assertThat(httpGet("127.0.0.1", portA)).as("host port of a").contains("replica " + a);
        assertThat(httpGet("127.0.0.1", portB)).as("host port of b").contains("replica " + b);
        String gateway = ipA.substring(0, ipA.lastIndexOf('.')) + ".1";
        assertThat(httpGet(gateway, portB)).as("host port of b on a host address").contains("replica " + b);
        List<String> names = List.of(NetworkRequest.namespaceName(a), NetworkRequest.namespaceName(b));
        assertThat(HostNetworkState.namespaces()).containsAll(names);
        assertThat(HostNetworkState.linksOf(bridge)).hasSize(2);

        supervisor.stopAll(java.time.Duration.ofSeconds(60)); // returns once both are stopped and released
        assertThat(status(a)).isEqualTo(ClientStatus.CLIENT_COMPLETE);
        assertThat(status(b)).isEqualTo(ClientStatus.CLIENT_COMPLETE);

        assertThat(HostNetworkState.namespaces()).doesNotContainAnyElementsOf(names);
        assertThat(HostNetworkState.linksOf(bridge)).as("veths").isEmpty();
        assertThat(HostNetworkState.reservations(networkState.resolve("ipam"))).as("host-local reservations").isEmpty();
        assertThat(HostNetworkState.iptablesRulesMentioning(names.get(0), names.get(1), ipA + "/", ipB + "/", ipA + ":", ipB + ":"))
                .as("iptables rules of the replicas").isEmpty();
        List<String> newChains = new ArrayList<>(HostNetworkState.iptablesChains());
        newChains.removeAll(chainsBefore);
        assertThat(newChains).as("chains left beyond the shared ones").allMatch(SHARED_CHAINS::contains);
        try (var s = Files.list(networkState.resolve("cni-cache"))) {
            assertThat(s.toList()).as("CNI cache").isEmpty();
        }
        assertThat(supervisor.removeOrphanNetworks()).as("nothing for orphan cleanup").isEmpty();
    }

    @Test
    void aRestartedAgentKeepsTheReplicasAddressAndRemovesNetworksNoAllocationOwns() throws Exception {
        Subnet subnet = Subnet.parse(HostNetworkState.randomSubnet());
        Path networkState = work.resolve("network");
        NetworkSettings settings = new NetworkSettings(subnet, bridge, null, CniPlugins.DEFAULT_DIRS, networkState);
        ImageStore images = new ImageStore(work.resolve("images"));
        String image = "file:" + TestImage.archive(work.resolve("image"));
        driver = new RuncDriver(work.resolve("runc"));
        supervisor = new AllocationSupervisor(Map.of("runc", driver), ImageResolver.of(images), new LocalState(work.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u),
                NetworkModes.create(settings));
        Job job = Job.newBuilder().setNamespace("default").setName("web").setCount(1).setVersion(1)
                .setNetwork(Network.newBuilder().setMode(Network.Mode.BRIDGE))
                .addTasks(Task.newBuilder().setName("web").setImage(image)
                        .addCommand("/bin/sh").addArgs("-c").addArgs("echo \"replica $GANTRY_ALLOC_ID\" > /www/index.html;"
                                + " exec httpd -f -p $GANTRY_PORT_HTTP -h /www")
                        .addPorts(Port.newBuilder().setName("http").setTo(8080))
                        .setStopGrace(Duration.newBuilder().setSeconds(2)))
                .build();
        String r = "restart-it-" + Long.toHexString(System.nanoTime());
        int port = freePort();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, r, 0, port)).build());
        eventually("the replica running with an address", java.time.Duration.ofSeconds(60), () -> running(r));
        String ip = reports.get(r).getAddress();
        awaitServing(ip, 8080);

        // The agent goes away; meanwhile an allocation it never heard of leaves a network behind.
        supervisor.close();
        String gone = "gone-it-" + Long.toHexString(System.nanoTime());
        NetworkModes.create(settings).setUp(new NetworkRequest(gone, Network.Mode.BRIDGE, List.of()));
        reports.clear();

        RuncDriver restartedDriver = new RuncDriver(work.resolve("runc"));
        driver.close();
        driver = restartedDriver;
        supervisor = new AllocationSupervisor(Map.of("runc", driver), ImageResolver.of(images), new LocalState(work.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u),
                NetworkModes.create(settings));
        supervisor.recover();
        assertThat(supervisor.removeOrphanNetworks()).containsExactly(NetworkRequest.namespaceName(gone));
        eventually("the replica re-adopted with its address", java.time.Duration.ofSeconds(30), () -> running(r));
        assertThat(reports.get(r).getAddress()).isEqualTo(ip);
        assertThat(httpGet(ip, 8080)).contains("replica " + r);
        assertThat(httpGet("127.0.0.1", port)).contains("replica " + r);
        assertThat(HostNetworkState.namespaces()).contains(NetworkRequest.namespaceName(r)).doesNotContain(NetworkRequest.namespaceName(gone));
        assertThat(HostNetworkState.reservations(networkState.resolve("ipam"))).containsExactly(ip);

        supervisor.stopAll(java.time.Duration.ofSeconds(60));
        assertThat(HostNetworkState.namespaces()).doesNotContain(NetworkRequest.namespaceName(r));
        assertThat(HostNetworkState.linksOf(bridge)).isEmpty();
        assertThat(HostNetworkState.reservations(networkState.resolve("ipam"))).isEmpty();
        assertThat(HostNetworkState.iptablesRulesMentioning(NetworkRequest.namespaceName(r), NetworkRequest.namespaceName(gone),
                ip + "/", ip + ":")).isEmpty();
    }

    @Test
    void aNoneModeReplicaHasOnlyLoopbackAndItsOwnHostsFile() throws Exception {
        Path networkState = work.resolve("network");
        NetworkModes networks = NetworkModes.create(new NetworkSettings(Subnet.parse(HostNetworkState.randomSubnet()), bridge, null,
                CniPlugins.DEFAULT_DIRS, networkState));
        ImageStore images = new ImageStore(work.resolve("images"));
        String image = "file:" + TestImage.archive(work.resolve("image"));
        driver = new RuncDriver(work.resolve("runc"));
        supervisor = new AllocationSupervisor(Map.of("runc", driver), ImageResolver.of(images), new LocalState(work.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u), networks);
        // Exit 0 only when the namespace holds nothing but lo and /etc/hosts names the task on loopback.
        Job job = Job.newBuilder().setNamespace("default").setName("isolated").setCount(1).setVersion(1)
                .setNetwork(Network.newBuilder().setMode(Network.Mode.NONE))
                .setRestart(dev.gantry.api.v1.RestartPolicy.newBuilder().setMode(dev.gantry.api.v1.RestartPolicy.Mode.NEVER))
                .addTasks(Task.newBuilder().setName("probe").setImage(image)
                        .addCommand("/bin/sh").addArgs("-c").addArgs("test \"$(ls /sys/class/net)\" = lo || exit 5;"
                                + " grep -q '127.0.1.1.*probe' /etc/hosts || exit 6; test \"$GANTRY_ALLOC_IP\" = 127.0.0.1 || exit 7")
                        .setStopGrace(Duration.newBuilder().setSeconds(2)))
                .build();
        String id = "none-it-" + Long.toHexString(System.nanoTime());
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(Assignment.newBuilder().setJob(job)
                .setAllocation(Allocation.newBuilder().setId(id).setNamespace("default").setJob("isolated").setNodeId("n1")
                        .setDesiredStatus(DesiredStatus.DESIRED_RUN))).build());
        eventually("the probe ending", java.time.Duration.ofSeconds(60), () -> reports.containsKey(id)
                && reports.get(id).getTaskStatesMap().getOrDefault("probe", dev.gantry.api.v1.TaskState.getDefaultInstance()).getHasExit());
        assertThat(reports.get(id).getTaskStatesMap().get("probe").getLastExitCode()).isZero();
        assertThat(reports.get(id).getAddress()).isEmpty();
        supervisor.stopAll(java.time.Duration.ofSeconds(30));
        assertThat(HostNetworkState.namespaces()).doesNotContain(NetworkRequest.namespaceName(id));
    }

    private boolean running(String id) {
        AllocationUpdate u = reports.get(id);
        return u != null && u.getClientStatus() == ClientStatus.CLIENT_RUNNING && !u.getAddress().isEmpty();
    }

    private ClientStatus status(String id) {
        AllocationUpdate u = reports.get(id);
        return u == null ? null : u.getClientStatus();
    }

    private static Assignment assignment(Job job, String id, int index, int hostPort) {
        return Assignment.newBuilder().setJob(job).setAllocation(Allocation.newBuilder().setId(id).setNamespace("default")
                .setJob("web").setIndex(index).setNodeId("n1").setDesiredStatus(DesiredStatus.DESIRED_RUN)
                .addPorts(AllocatedPort.newBuilder().setTask("web").setName("http").setValue(hostPort))).build();
    }

    static void awaitServing(String host, int port) throws InterruptedException {
        eventually(host + ":" + port + " answering", java.time.Duration.ofSeconds(20), () -> {
            try {
                httpGet(host, port);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
