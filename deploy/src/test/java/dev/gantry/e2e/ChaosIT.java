package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random faults on a multi-host cluster while three jobs (30 replicas) run: agent kills,
 * host pauses and partitions, scheduler pauses and kills, for a bounded time. Then, once
 * every fault is healed, the cluster must settle within a deadline: every job at exactly its
 * count, nothing wanted on a down node, no container that the cluster does not know, no
 * allocation pointing at a missing job or node. It prints what it did and what it checked;
 * the seed is printed so that a failing sequence can be replayed ({@code -Dchaos.seed=N}).
 */
class ChaosIT {
    private static final String[] JOBS = {"alpha", "beta", "gamma"};
    private static final int COUNT = 10;
    private MultiHostCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    @Test
    void theClusterSettlesAfterRandomFaults() throws Exception {
        RuntimeRequirements.requireRuncHost();
        RuntimeRequirements.requireDockerEngine();
        Path dir = Files.createTempDirectory("gantry-chaos-it");
        cluster = MultiHostCluster.start(dir, 3, 3, "4s");
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(90), "three agents registered", () -> readyNodes() == 3);
        Path image = ExampleImage.build(dir);
        for (String job : JOBS) {
            Path spec = dir.resolve(job + ".yaml");
            Files.writeString(spec, ExampleImage.job(image, job, COUNT).replace("cpu: 50m, memory: 32Mi", "cpu: 10m, memory: 8Mi"));
            Gantry.Result r = Gantry.run(cluster.addresses(), "run", "--detach", "-f", spec.toString());
            assertThat(r.exitCode()).as(r.stderr()).isZero();
        }
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(120), "30 replicas running", () -> running() == JOBS.length * COUNT);

        long seed = Long.getLong("chaos.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("chaos: seed " + seed);
        long end = System.nanoTime() + Duration.ofSeconds(Integer.getInteger("chaos.seconds", 75)).toNanos();
        while (System.nanoTime() < end) {
            fault(random);
            Thread.sleep(1000 + random.nextInt(3000));
        }

        System.out.println("chaos: faults over; checking the cluster settles within 30 s");
        long t0 = System.nanoTime();
        List<String> problems = List.of("not checked");
        while (System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos()) {
            problems = problems();
            if (problems.isEmpty()) break;
            Thread.sleep(1000);
        }
        System.out.printf("chaos: settled in %d ms%s%n", (System.nanoTime() - t0) / 1_000_000,
                problems.isEmpty() ? "" : "? no: " + problems);
        assertThat(problems).as("invariants after the faults (seed " + seed + ")" + cluster.logs()).isEmpty();
        System.out.println("chaos: checked: each job at exactly " + COUNT + " running replicas, one per index; "
                + "nothing wanted on a down node; every container on every host belongs to a wanted allocation of that host; "
                + "every allocation's job and node exist");
    }

    /** One fault, healed before it returns (a pause or a partition lasts a few seconds). */
    private void fault(Random random) throws Exception {
        AgentHost host = cluster.agents.get(random.nextInt(cluster.agents.size()));
        int scheduler = random.nextInt(cluster.schedulers.size());
        switch (random.nextInt(5)) {
            case 0 -> {
                System.out.println("chaos: SIGKILL the agent on " + host.name + " (it restarts)");
                host.killAgent();
            }
            case 1 -> {
                int ms = 2000 + random.nextInt(6000);
                System.out.println("chaos: pause " + host.name + " for " + ms + " ms");
                host.pause();
                Thread.sleep(ms);
                host.unpause();
            }
            case 2 -> {
                int ms = 2000 + random.nextInt(8000);
                System.out.println("chaos: cut " + host.name + " off the network for " + ms + " ms");
                host.disconnect();
                Thread.sleep(ms);
                host.connect();
            }
            case 3 -> {
                int ms = 1000 + random.nextInt(5000);
                System.out.println("chaos: SIGSTOP scheduler " + scheduler + " for " + ms + " ms");
                cluster.signalScheduler(scheduler, "STOP");
                Thread.sleep(ms);
                cluster.signalScheduler(scheduler, "CONT");
            }
            default -> {
                System.out.println("chaos: SIGKILL scheduler " + scheduler + " and start it again");
                cluster.schedulers.get(scheduler).destroyForcibly().waitFor();
                Thread.sleep(500);
                cluster.restartScheduler(scheduler);
            }
        }
    }

    private int readyNodes() {
        JsonNode nodes = Gantry.run(cluster.addresses(), "nodes", "-o", "json").json().get("nodes");
        int n = 0;
        if (nodes != null) for (JsonNode v : nodes) if (v.at("/node/status").asText().equals("NODE_READY")) n++;
        return n;
    }

    private int running() {
        JsonNode all = Gantry.run(cluster.addresses(), "ps", "-o", "json").json().get("allocations");
        int n = 0;
        if (all != null) for (JsonNode a : all) if (a.path("client_status").asText().equals("CLIENT_RUNNING")) n++;
        return n;
    }

    /** Every invariant that does not hold, in words; empty when the cluster has settled. */
    private List<String> problems() {
        List<String> out = new ArrayList<>();
        Gantry.Result ps = Gantry.run(cluster.addresses(), "ps", "--all", "-o", "json");
        Gantry.Result nodesResult = Gantry.run(cluster.addresses(), "nodes", "-o", "json");
        if (ps.exitCode() != 0 || nodesResult.exitCode() != 0) return List.of("CLI failed: " + ps.stderr() + nodesResult.stderr());
        Map<String, String> nodeStatus = new HashMap<>();
        Map<String, String> nodeByName = new HashMap<>();
        for (JsonNode v : nodesResult.json().path("nodes")) {
            nodeStatus.put(v.at("/node/id").asText(), v.at("/node/status").asText());
            nodeByName.put(v.at("/node/name").asText(), v.at("/node/id").asText());
        }
        Map<String, Set<Integer>> indexes = new HashMap<>();
        Map<String, Set<String>> wantedOn = new HashMap<>();
        for (JsonNode a : ps.json().path("allocations")) {
            String id = a.get("id").asText();
            String node = a.path("node_id").asText();
            String job = a.path("job").asText();
            if (!nodeStatus.containsKey(node)) out.add("allocation " + id + " points at missing node " + node);
            if (!List.of(JOBS).contains(job)) out.add("allocation " + id + " points at unknown job " + job);
            if (!a.path("desired_status").asText().equals("DESIRED_RUN")) continue;
            if (!"NODE_READY".equals(nodeStatus.get(node))) out.add("allocation " + id + " wanted on down node " + node);
            if (!a.path("client_status").asText().equals("CLIENT_RUNNING")) out.add("allocation " + id + " of " + job + " not running");
            if (!indexes.computeIfAbsent(job, j -> new HashSet<>()).add(a.path("index").asInt(0))) {
                out.add("job " + job + " has two wanted replicas at index " + a.path("index").asInt(0));
            }
            wantedOn.computeIfAbsent(node, n -> new HashSet<>()).add(id);
        }
        for (String job : JOBS) {
            int n = indexes.getOrDefault(job, Set.of()).size();
            if (n != COUNT) out.add("job " + job + " has " + n + " wanted replicas, not " + COUNT);
        }
        for (AgentHost h : cluster.agents) {
            Set<String> wanted = wantedOn.getOrDefault(nodeByName.get(h.name), Set.of());
            for (String container : h.runningContainers()) {
                String alloc = container.substring(0, container.lastIndexOf('-'));
                if (!wanted.contains(alloc)) out.add(h.name + " runs container " + container + " that the cluster does not want there");
            }
        }
        return out;
    }
}
