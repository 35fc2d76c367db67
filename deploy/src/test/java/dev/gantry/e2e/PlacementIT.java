package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.ListJobsRequest;
import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.NodeView;
import dev.gantry.api.v1.StopJobRequest;
import dev.gantry.testing.EtcdServer;
import dev.gantry.testing.RuntimeRequirements;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Placement rules on real parts: etcd, a scheduler, agents as separate processes labelled in
 * zones, runc containers, and the `gantry` CLI. Every case reads where the running replicas
 * landed from `gantry status JOB -o json`; the waiting before it polls the scheduler over gRPC,
 * since a CLI process per poll would cost seconds. The jobs are tiny, so capacity never decides;
 * the replicas of earlier cases stay, which only moves bin-pack scores by a few hundredths, well
 * below the margins the assertions rely on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlacementIT {
    /** name, zone, rack of the four agents started before the tests. */
    private static final String[][] NODES = {
            {"node-a", "eu-1", "r1"}, {"node-b", "eu-1", "r2"}, {"node-c", "eu-2", "r3"}, {"node-d", "eu-3", "r4"}};
    private static final int PORTS_PER_AGENT = 40;

    private Path dir;
    private EtcdServer etcd;
    private Process scheduler;
    private String address;
    private ManagedChannel channel;
    private JobServiceGrpc.JobServiceBlockingStub jobs;
    private NodeServiceGrpc.NodeServiceBlockingStub nodes;
    private final List<Process> agents = new ArrayList<>();
    private final List<Path> agentDirs = new ArrayList<>();
    private final Map<String, String> zoneOf = new HashMap<>();
    private final Map<String, String> nodeNames = new HashMap<>();
    private int portBase;
    private Path image;

    @BeforeAll
    void startCluster() throws Exception {
        RuntimeRequirements.requireRuncHost();
        dir = Files.createTempDirectory("gantry-placement-it");
        etcd = EtcdServer.startForTest();
        int grpc = Gantry.freePort();
        address = "127.0.0.1:" + grpc;
        scheduler = Gantry.start(dir.resolve("scheduler.log"), "scheduler", "--etcd", String.join(",", etcd.endpoints()),
                "--prefix", "/gantry-placement-" + Long.toHexString(System.nanoTime()) + "/", "--bind", "127.0.0.1",
                "--port", String.valueOf(grpc), "--http-port", String.valueOf(Gantry.freePort()), "--leader-ttl", "2s");
        channel = Gantry.channel(address);
        jobs = JobServiceGrpc.newBlockingStub(channel);
        nodes = NodeServiceGrpc.newBlockingStub(channel);
        // The agents share this host's network: their dynamic port ranges must not overlap.
        // Outside the ephemeral range, where the scheduler, etcd and client sockets take their ports; room for five agents.
        portBase = Gantry.portBlock(5 * PORTS_PER_AGENT);
        for (String[] n : NODES) startAgent(n[0], n[1], n[2]);
        poll("four agents registered", Duration.ofSeconds(60), () -> readyNodes() == 4);
        for (JsonNode v : Gantry.run(address, "nodes", "-o", "json").json().get("nodes")) {
            assertThat(v.at("/node/labels/zone").asText()).as("zone label of " + v.at("/node/name").asText())
                    .isEqualTo(zoneOf.get(v.at("/node/name").asText()));
        }
        image = ExampleImage.build(dir);
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (scheduler != null && scheduler.isAlive()) {
            for (JobStatusView j : jobs().list(ListJobsRequest.getDefaultInstance()).getJobsList()) {
                stopJob(j.getJob().getName());
            }
            poll("containers stopped", Duration.ofSeconds(30), () -> agentDirs.stream().allMatch(d -> Host.containers(d).isEmpty()));
        }
        if (channel != null) channel.shutdownNow();
        // SIGTERM to all first, so that they shut down side by side.
        for (Process a : agents) a.destroy();
        for (Process a : agents) Gantry.stop(a, Duration.ofSeconds(10));
        Gantry.stop(scheduler, Duration.ofSeconds(10));
        if (etcd != null) etcd.close();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void aHardConstraintKeepsEveryReplicaOffTheExcludedZone() throws Exception {
        submit("outside-eu3", 6, """
                constraints: [{attribute: node.labels.zone, operator: "!=", value: eu-3}]
                """);
        Map<String, Integer> placed = awaitRunning("outside-eu3", 6);
        assertThat(placed).doesNotContainKey("node-d");
        assertThat(placed.keySet()).allSatisfy(node -> assertThat(zoneOf.get(node)).isNotEqualTo("eu-3"));
    }

    @Test
    @Order(2)
    void spreadTargetsSplitTheReplicasBetweenZonesByPercentage() throws Exception {
        // Targets are each zone's share of the count: 50% of 4 is 2 for eu-1 and for eu-2,
        // and eu-3, left with 0%, scores -1 and gets none.
        submit("spread", 4, """
                spread: [{attribute: node.labels.zone, targets: {eu-1: 50%, eu-2: 50%}}]
                """);
        Map<String, Integer> placed = awaitRunning("spread", 4);
        assertThat(perZone(placed)).containsExactly(Map.entry("eu-1", 2), Map.entry("eu-2", 2));
    }

    @Test
    @Order(3)
    void aFullWeightAffinityDrawsReplicasUntilJobAntiAffinityCancelsIt() throws Exception {
        // What weight 100 promises: +1 on the matching node, against the job anti-affinity's
        // -(replicas there + 1) / count. With count 3 the first two replicas score +1 and +1/3
        // more on node-c, far above any bin-pack difference; the third scores 0 there and goes
        // wherever bin-packing prefers (node-c included), so only "at least 2" is promised.
        submit("near-eu2", 3, """
                affinities: [{attribute: node.labels.zone, operator: "=", value: eu-2, weight: 100}]
                """);
        Map<String, Integer> placed = awaitRunning("near-eu2", 3);
        assertThat(placed.getOrDefault("node-c", 0)).as("replicas on node-c of " + placed).isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(4)
    void distinctHostsPutsOneReplicaPerNodeAndSaysWhyTheRestWait() throws Exception {
        submit("one-per-node", 4, "constraints: [{distinct_hosts: true}]\n");
        assertThat(awaitRunning("one-per-node", 4)).containsOnlyKeys("node-a", "node-b", "node-c", "node-d")
                .allSatisfy((node, n) -> assertThat(n).isEqualTo(1));

        submit("five-on-four", 5, "constraints: [{distinct_hosts: true}]\n");
        poll("4 of 5 running, 1 unplaced", Duration.ofSeconds(60), () -> runningNow("five-on-four") == 4
                && jobView("five-on-four").getSummary().getUnplaced() == 1);
        assertThat(running("five-on-four")).containsOnlyKeys("node-a", "node-b", "node-c", "node-d")
                .allSatisfy((node, n) -> assertThat(n).isEqualTo(1));
        Gantry.Result human = Gantry.run(address, "status", "five-on-four");
        System.out.println("$ gantry status five-on-four\n" + human.stdout());
        assertThat(human.stdout()).contains("4/5 running", "1 not placed",
                "placement 4 nodes evaluated: 4 constraint distinct_hosts not met");
        // So that the agent added by the last case takes only that case's replica.
        stopJob("five-on-four");
    }

    @Test
    @Order(5)
    void planExplainsAnImpossibleJobAndNamesTheNodesOfAPossibleOneWithoutStoringEither() throws Exception {
        Gantry.Result mars = Gantry.run(address, "plan", "-f", spec("on-mars", 1, """
                constraints: [{attribute: node.labels.zone, operator: "=", value: mars}]
                """).toString());
        System.out.println("$ gantry plan -f on-mars.yaml   (exit " + mars.exitCode() + ")\n" + mars.stdout() + mars.stderr());
        assertThat(mars.exitCode()).as(mars.stderr()).isEqualTo(6);
        assertThat(mars.stdout()).contains("cannot place 1 replica: 4 nodes evaluated: 4 constraint node.labels.zone = mars not met");
        assertNotStored("on-mars");

        Gantry.Result feasible = Gantry.run(address, "plan", "-f", spec("in-eu2", 2, """
                constraints: [{attribute: node.labels.zone, operator: "=", value: eu-2}]
                """).toString());
        System.out.println("$ gantry plan -f in-eu2.yaml   (exit " + feasible.exitCode() + ")\n" + feasible.stdout() + feasible.stderr());
        assertThat(feasible.exitCode()).as(feasible.stderr()).isZero();
        assertThat(feasible.stdout()).contains("would place 2:").doesNotContain("cannot place", "node-a", "node-b", "node-d");
        assertThat(feasible.stdout().split("node-c", -1)).as("rows naming node-c").hasSize(3);
        assertNotStored("in-eu2");
    }

    @Test
    @Order(6)
    void anUnplacedReplicaIsPlacedOnceANodeThatMeetsItsConstraintJoins() throws Exception {
        submit("in-eu4", 1, """
                constraints: [{attribute: node.labels.zone, operator: "=", value: eu-4}]
                """);
        poll("the replica reported unplaced", Duration.ofSeconds(30), () -> jobView("in-eu4").getSummary().getUnplaced() == 1);
        JsonNode before = status("in-eu4");
        assertThat(before.at("/summary/placement_failure").asText())
                .isEqualTo("4 nodes evaluated: 4 constraint node.labels.zone = eu-4 not met");
        assertThat(before.path("allocations")).isEmpty();

        startAgent("node-e", "eu-4", "r5");
        poll("the replica running on the new node", Duration.ofSeconds(30), () -> runningNow("in-eu4") == 1);
        assertThat(running("in-eu4")).containsExactly(Map.entry("node-e", 1));
        assertThat(status("in-eu4").at("/summary/unplaced").asInt()).isZero();
    }

    @Test
    @Order(7)
    void distinctPropertyAllowsAtMostTheLimitPerZone() throws Exception {
        // Five nodes now: node-a and node-b in eu-1, node-c eu-2, node-d eu-3, node-e eu-4.
        submit("one-per-zone", 5, """
                constraints: [{attribute: node.labels.zone, operator: distinct_property, value: "1"}]
                """);
        poll("4 of 5 running, 1 unplaced", Duration.ofSeconds(60), () -> runningNow("one-per-zone") == 4
                && jobView("one-per-zone").getSummary().getUnplaced() == 1);
        Map<String, Integer> where = running("one-per-zone");
        assertThat(where.getOrDefault("node-a", 0) + where.getOrDefault("node-b", 0)).as("replicas in eu-1").isEqualTo(1);
        assertThat(where).containsEntry("node-c", 1).containsEntry("node-d", 1).containsEntry("node-e", 1);
        assertThat(status("one-per-zone").at("/summary/placement_failure").asText())
                .contains("5 nodes evaluated", "distinct_property node.labels.zone limit 1 reached");
    }

    private void startAgent(String name, String zone, String rack) throws IOException {
        int i = agents.size();
        Path data = dir.resolve(name);
        int low = portBase + i * PORTS_PER_AGENT;
        agents.add(Gantry.start(dir.resolve(name + ".log"), "agent", "--scheduler", address, "--data-dir", data.toString(),
                "--agent-port", String.valueOf(Gantry.freePort()), "--dynamic-ports", low + "-" + (low + PORTS_PER_AGENT - 1),
                "--name", name, "--label", "zone=" + zone, "--label", "rack=" + rack));
        agentDirs.add(data);
        zoneOf.put(name, zone);
    }

    private int readyNodes() {
        return (int) nodes().list(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                .filter(v -> v.getNode().getStatus() == NodeStatus.NODE_READY).count();
    }

    private Path spec(String name, int count, String placement) throws IOException {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, """
                name: %s
                count: %d
                restart: {policy: on-failure, attempts: 2, interval: 1m, delay: 1s}
                %stasks:
                  - name: web
                    image: file:%s
                    resources: {cpu: 20m, memory: 16Mi}
                    ports: [{name: http}]
                    stop_grace: 2s
                """.formatted(name, count, placement, image));
        return f;
    }

    /** Submits without waiting for the rollout: each case waits for what it checks. */
    private void submit(String name, int count, String placement) throws IOException {
        Gantry.Result r = Gantry.run(address, "run", "--detach", "-f", spec(name, count, placement).toString());
        assertThat(r.exitCode()).as(r.stderr() + schedulerLog()).isZero();
    }

    private JsonNode status(String job) {
        Gantry.Result r = Gantry.run(address, "status", job, "-o", "json");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.json();
    }

    /** Running replicas of the job that are meant to run, counted per node name, as `gantry status` shows them. */
    private Map<String, Integer> running(String job) {
        Map<String, Integer> out = new TreeMap<>();
        for (JsonNode a : status(job).path("allocations")) {
            if (!"DESIRED_RUN".equals(a.path("desired_status").asText()) || !"CLIENT_RUNNING".equals(a.path("client_status").asText())) {
                continue;
            }
            out.merge(nodeName(a.path("node_id").asText()), 1, Integer::sum);
        }
        return out;
    }

    /** Waits until {@code count} replicas run and no more are pending, then says where they are. */
    private Map<String, Integer> awaitRunning(String job, int count) throws InterruptedException {
        // One read both counts and locates the replicas, so that the answer is one consistent view.
        var seen = new java.util.concurrent.atomic.AtomicReference<Map<String, Integer>>(Map.of());
        poll(count + " replicas of " + job + " running", Duration.ofSeconds(60), () -> {
            seen.set(running(job));
            return seen.get().values().stream().mapToInt(Integer::intValue).sum() == count;
        });
        Map<String, Integer> placed = seen.get();
        System.out.println(job + " runs on " + placed);
        return placed;
    }

    private Map<String, Integer> perZone(Map<String, Integer> perNode) {
        Map<String, Integer> out = new TreeMap<>();
        perNode.forEach((node, n) -> out.merge(zoneOf.get(node), n, Integer::sum));
        return out;
    }

    private String nodeName(String id) {
        if (!nodeNames.containsKey(id)) {
            for (NodeView v : nodes().list(ListNodesRequest.getDefaultInstance()).getNodesList()) {
                nodeNames.put(v.getNode().getId(), v.getNode().getName());
            }
        }
        String name = nodeNames.get(id);
        if (name == null) throw new AssertionError("allocation on unknown node " + id);
        return name;
    }

    private void assertNotStored(String job) {
        Gantry.Result r = Gantry.run(address, "status", job);
        assertThat(r.exitCode()).as("gantry status " + job + ": " + r.stdout() + r.stderr()).isEqualTo(3);
        assertThat(r.stderr()).contains("not found");
    }

    private JobStatusView jobView(String job) {
        return jobs().get(GetJobRequest.newBuilder().setNamespace("default").setName(job).build());
    }

    /** What the scheduler says now, for waiting: running replicas meant to run. */
    private int runningNow(String job) {
        Predicate<Allocation> live = a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN
                && a.getClientStatus() == ClientStatus.CLIENT_RUNNING;
        return (int) jobView(job).getAllocationsList().stream().filter(live).count();
    }

    private void stopJob(String job) {
        jobs().stop(StopJobRequest.newBuilder().setNamespace("default").setName(job).build());
    }

    private JobServiceGrpc.JobServiceBlockingStub jobs() {
        return jobs.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private NodeServiceGrpc.NodeServiceBlockingStub nodes() {
        return nodes.withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** eventually(), at a pace that leaves the 2-core CI machine to the cluster; a scheduler not up yet reads as "not yet". */
    private static void poll(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        eventually(limit, what, () -> {
            try {
                Thread.sleep(100);
                return condition.getAsBoolean();
            } catch (StatusRuntimeException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();   // eventually()'s next sleep throws
                return false;
            }
        });
    }

    private String schedulerLog() {
        String log = Gantry.logOf(dir.resolve("scheduler.log"));
        return "\n--- scheduler log (tail)\n" + log.substring(Math.max(0, log.length() - 4000));
    }
}
