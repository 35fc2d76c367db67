package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults on a cluster of separate hosts ({@link MultiHostCluster}): real etcd, three scheduler
 * replicas, three agents each in its own container with its own address, runc+conmon inside.
 * In order, on one cluster: an agent restart, a paused leader, an etcd outage, a host cut off
 * the network and back, a host killed. Each test prints what it measured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiHostIT {
    private static final int COUNT = 4;
    private MultiHostCluster cluster;

    @BeforeAll
    void start() throws Exception {
        RuntimeRequirements.requireRuncHost();
        RuntimeRequirements.requireDockerEngine();
        Path dir = Files.createTempDirectory("gantry-multihost-it");
        // The default node TTL: an agent restart (a JVM start in a container, ~5 s here) must fit well inside it.
        cluster = MultiHostCluster.start(dir, 3, 3, "10s");
        eventually(Duration.ofSeconds(90), "three agents registered", () -> readyNodes().size() == 3);
        Path image = ExampleImage.build(dir);
        Path spec = dir.resolve("web.yaml");
        Files.writeString(spec, ExampleImage.job(image, "web", COUNT));
        Gantry.Result run = Gantry.run(cluster.addresses(), "run", "-f", spec.toString(), "--timeout", "90s");
        assertThat(run.exitCode()).as(run.stderr() + cluster.logs()).isZero();
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void anAgentKilledAndRestartedKeepsItsContainersAndCountsNoRestart() throws Exception {
        AgentHost host = hostWithAllocations();
        List<String> before = host.runningContainers();
        Map<String, String> placement = placement();
        host.killAgent();
        long t0 = System.nanoTime();
        eventually(Duration.ofSeconds(30), "the agent back", () -> host.log().split("re-adopting allocation", -1).length > before.size());
        System.out.printf("agent SIGKILL -> re-adopted: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        Thread.sleep(3000);   // time for anything wrong to happen
        assertThat(host.runningContainers()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(placement()).as("nothing rescheduled").isEqualTo(placement);
        for (JsonNode a : status().get("allocations")) assertThat(a.at("/task_states/web/restarts").asInt()).isZero();
    }

    @Test
    @Order(2)
    void aPausedLeaderIsReplacedAndCommitsNothingWhenItWakes() throws Exception {
        int old = cluster.leader();
        assertThat(old).isNotNegative();
        cluster.signalScheduler(old, "STOP");
        long t0 = System.nanoTime();
        eventually(Duration.ofSeconds(20), "another leader", () -> cluster.leader() >= 0 && cluster.leader() != old);
        System.out.printf("leader SIGSTOP -> new leader: %d ms (lease 2s)%n", (System.nanoTime() - t0) / 1_000_000);

        // The new leader must carry a whole rollout while the old one sleeps.
        Path v2 = cluster.dir.resolve("web-v2.yaml");
        Files.writeString(v2, Files.readString(cluster.dir.resolve("web.yaml")).replace("stop_grace: 3s", "stop_grace: 3s\n    env: {GEN: \"2\"}"));
        Gantry.Result rolled = Gantry.run(cluster.addresses(), "run", "-f", v2.toString(), "--timeout", "90s");
        assertThat(rolled.exitCode()).as(rolled.stderr()).isZero();
        cluster.signalScheduler(old, "CONT");
        Thread.sleep(4000);
        int leaders = 0;
        for (int i = 0; i < 3; i++) if (cluster.health(i).contains("leader")) leaders++;
        assertThat(leaders).as("one leader after the old one wakes").isEqualTo(1);
        assertAtCount();
    }

    @Test
    @Order(3)
    void aLeaderCutOffFromEtcdStepsDownAndAnotherLeadsWithoutTouchingAContainer() throws Exception {
        Map<String, List<String>> before = containersByHost();
        int old = cluster.leader();
        assertThat(old).isNotNegative();
        // A partition between this replica and etcd only: its bytes to etcd vanish, nothing is refused.
        cluster.etcdLinks.get(old).cut();
        long t0 = System.nanoTime();
        try {
            eventually(Duration.ofSeconds(20), "another leader", () -> {
                int now = cluster.leader();
                return now >= 0 && now != old;
            });
            System.out.printf("leader cut off from etcd -> new leader: %d ms (lease 2s)%n", (System.nanoTime() - t0) / 1_000_000);
            eventually(Duration.ofSeconds(20), "the cut-off replica a degraded standby",
                    () -> cluster.health(old).startsWith("503 degraded standby"));
            Thread.sleep(3000);   // time for anything wrong to happen
            assertThat(containersByHost()).as("containers while a scheduler is cut off").isEqualTo(before);
            assertAtCount();
        } finally {
            cluster.etcdLinks.get(old).heal();
        }
        long t1 = System.nanoTime();
        eventually(Duration.ofSeconds(30), "the cut-off replica healthy again", () -> cluster.health(old).startsWith("200 ok standby"));
        System.out.printf("link back -> old leader a healthy standby: %d ms%n", (System.nanoTime() - t1) / 1_000_000);
        int leaders = 0;
        for (int i = 0; i < 3; i++) if (cluster.health(i).contains("leader")) leaders++;
        assertThat(leaders).as("one leader after the link heals").isEqualTo(1);
        assertThat(containersByHost()).as("containers after the link heals").isEqualTo(before);
        assertAtCount();
    }

    @Test
    @Order(4)
    void anEtcdOutageOf30SecondsStopsNoContainerAndTheClusterRecovers() throws Exception {
        Map<String, List<String>> before = containersByHost();
        cluster.etcd.signal("STOP");
        try {
            eventually(Duration.ofSeconds(20), "the schedulers reporting degraded", () -> cluster.health(0).contains("degraded"));
            eventually(Duration.ofSeconds(10), "every scheduler reporting degraded",
                    () -> cluster.health(0).contains("degraded") && cluster.health(1).contains("degraded")
                            && cluster.health(2).contains("degraded"));
            // `gantry status` still shows the last state the scheduler knew, and says why it may be stale.
            Gantry.Result status = Gantry.run(cluster.addresses(), "status", "web");
            assertThat(status.exitCode()).as(status.stderr()).isZero();
            assertThat(status.stderr()).containsPattern("warning: scheduler \\S+ is degraded: state store unreachable for \\d+s "
                    + "\\(.*\\); showing the last state it knew");
            assertThat(status.stdout()).contains("job       default/web");
            Thread.sleep(20_000);
            assertThat(containersByHost()).as("containers during the outage").isEqualTo(before);
        } finally {
            cluster.etcd.signal("CONT");
        }
        long t0 = System.nanoTime();
        eventually(Duration.ofSeconds(30), "healthy schedulers", () -> cluster.health(0).startsWith("200"));
        System.out.printf("etcd back -> scheduler healthy: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        Thread.sleep(4000);
        assertThat(containersByHost()).as("containers after the outage").isEqualTo(before);
        assertAtCount();
    }

    @Test
    @Order(5)
    void aHostCutOffIsReplacedAndItsCopiesStopWhenItReturns() throws Exception {
        AgentHost host = hostWithAllocations();
        List<String> stranded = host.runningContainers();
        host.disconnect();
        long t0 = System.nanoTime();
        eventually(Duration.ofSeconds(45), "replacements running elsewhere", () -> runningOffHost(host.name) == COUNT);
        System.out.printf("host cut off -> %d replicas running elsewhere: %d ms (node TTL 10s)%n", COUNT,
                (System.nanoTime() - t0) / 1_000_000);

        host.connect();
        eventually(Duration.ofSeconds(60), "the returning host stopping what was replaced",
                () -> host.runningContainers().stream().noneMatch(stranded::contains));
        eventually(Duration.ofSeconds(30), "exactly count containers in the cluster", () -> totalContainers() == COUNT);
        assertAtCount();
    }

    @Test
    @Order(6)
    void aKilledHostsReplicasAreReplacedOnTheOthers() throws Exception {
        AgentHost host = hostWithAllocations();
        host.kill();
        long t0 = System.nanoTime();
        eventually(Duration.ofSeconds(45), "replacements running elsewhere", () -> runningOffHost(host.name) == COUNT);
        System.out.printf("host killed -> %d replicas running elsewhere: %d ms (node TTL 10s)%n", COUNT,
                (System.nanoTime() - t0) / 1_000_000);
        assertAtCount();
    }

    // ---------------------------------------------------------------- what the cluster says

    /** The job's status; a scheduler that cannot answer right now (just after a fault) is asked again. */
    private JsonNode status() {
        Gantry.Result r = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            r = Gantry.run(cluster.addresses(), "status", "web", "-o", "json");
            if (r.exitCode() == 0 && r.json().has("allocations")) return r.json();
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("gantry status failed (exit " + r.exitCode() + "): " + r.stderr());
    }

    private Map<String, String> nodeNames() {
        Map<String, String> names = new HashMap<>();
        JsonNode nodes = Gantry.run(cluster.addresses(), "nodes", "-o", "json").json().get("nodes");
        if (nodes != null) for (JsonNode n : nodes) names.put(n.at("/node/id").asText(), n.at("/node/name").asText());
        return names;
    }

    private Set<String> readyNodes() {
        Set<String> ready = new HashSet<>();
        JsonNode nodes = Gantry.run(cluster.addresses(), "nodes", "-o", "json").json().get("nodes");
        if (nodes != null) for (JsonNode n : nodes) {
            if (n.at("/node/status").asText().equals("NODE_READY")) ready.add(n.at("/node/name").asText());
        }
        return ready;
    }

    /** Allocation id → node name, of the allocations that should run. */
    private Map<String, String> placement() {
        Map<String, String> names = nodeNames();
        Map<String, String> out = new HashMap<>();
        for (JsonNode a : status().get("allocations")) {
            if (a.path("desired_status").asText().equals("DESIRED_RUN")) {
                out.put(a.get("id").asText(), names.getOrDefault(a.get("node_id").asText(), "?"));
            }
        }
        return out;
    }

    private long runningOffHost(String host) {
        Map<String, String> names = nodeNames();
        long n = 0;
        for (JsonNode a : status().get("allocations")) {
            if (a.path("desired_status").asText().equals("DESIRED_RUN") && a.path("client_status").asText().equals("CLIENT_RUNNING")
                    && !names.getOrDefault(a.get("node_id").asText(), "?").equals(host)) n++;
        }
        return n;
    }

    private AgentHost hostWithAllocations() {
        Map<String, String> placement = placement();
        return cluster.agents.stream().filter(h -> placement.containsValue(h.name)).findFirst()
                .orElseThrow(() -> new AssertionError("no host runs anything: " + placement));
    }

    private Map<String, List<String>> containersByHost() {
        Map<String, List<String>> out = new HashMap<>();
        for (AgentHost h : cluster.agents) out.put(h.name, h.runningContainers().stream().sorted().toList());
        return out;
    }

    private int totalContainers() {
        int n = 0;
        for (AgentHost h : cluster.agents) {
            try {
                n += h.runningContainers().size();
            } catch (java.io.UncheckedIOException dead) {
                // a killed host runs nothing
            }
        }
        return n;
    }

    /** Exactly COUNT replicas that should run, all running, one per index, none on a node that is down. */
    private void assertAtCount() throws InterruptedException {
        eventually(Duration.ofSeconds(30), "the job at exactly " + COUNT + " running replicas", () -> {
            List<Integer> indexes = new ArrayList<>();
            for (JsonNode a : status().get("allocations")) {
                if (!a.path("desired_status").asText().equals("DESIRED_RUN")) continue;
                if (!a.path("client_status").asText().equals("CLIENT_RUNNING")) return false;
                indexes.add(a.path("index").asInt(0));
            }
            return indexes.size() == COUNT && new HashSet<>(indexes).size() == COUNT;
        });
    }
}
