package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.testing.EtcdServer;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 3, item 4: an agent restart is not node loss. The agent is SIGKILLed while its
 * containers run and started again on the same data directory within the node TTL: it
 * re-adopts the same containers, counts no restart, the scheduler replaces nothing, and a
 * leftover container directory that no allocation owns is removed.
 */
class AgentRestartIT {
    private static final Duration NODE_TTL = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private EtcdServer etcd;
    private Process scheduler;
    private Process agent;
    private String address;
    private Path data;
    private int agentPort;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (scheduler != null && scheduler.isAlive() && agent != null && agent.isAlive()) {
                Gantry.run(address, "stop", "web");
                eventually(Duration.ofSeconds(30), "containers stopped", () -> Host.containers(data).isEmpty());
            }
        } finally {
            Gantry.stop(agent, Duration.ofSeconds(10));
            Gantry.stop(scheduler, Duration.ofSeconds(10));
            if (etcd != null) etcd.close();
        }
    }

    private Process startAgent(String logName) throws IOException {
        return Gantry.start(dir.resolve(logName), "agent", "--scheduler", address, "--data-dir", data.toString(),
                "--agent-port", String.valueOf(agentPort), "--dynamic-ports", Gantry.portRange(100), "--name", "it-node");
    }

    @Test
    void aKilledAgentReAdoptsItsContainersAndNothingIsRescheduled() throws Exception {
        RuntimeRequirements.requireRuncHost();
        etcd = EtcdServer.startForTest();
        int grpcPort = Gantry.freePort();
        address = "127.0.0.1:" + grpcPort;
        scheduler = Gantry.start(dir.resolve("scheduler.log"), "scheduler", "--etcd", String.join(",", etcd.endpoints()),
                "--prefix", "/gantry-it-" + Long.toHexString(System.nanoTime()) + "/", "--bind", "127.0.0.1",
                "--port", String.valueOf(grpcPort), "--http-port", String.valueOf(Gantry.freePort()),
                "--node-ttl", NODE_TTL.toSeconds() + "s");
        data = dir.resolve("agent");
        agentPort = Gantry.freePort();
        agent = startAgent("agent-1.log");
        eventually(Duration.ofSeconds(60), "the agent registering",
                () -> Gantry.run(address, "nodes", "-o", "json").stdout().contains("NODE_READY"));

        Path spec = dir.resolve("web.yaml");
        Files.writeString(spec, ExampleImage.job(ExampleImage.build(dir), "web", 2));
        Gantry.Result run = Gantry.run(address, "run", "-f", spec.toString(), "--wait", "--timeout", "90s");
        assertThat(run.exitCode()).as(run.stderr() + Gantry.logOf(dir.resolve("agent-1.log"))).isZero();
        Map<String, Integer> before = restartsByAllocation();
        List<String> containersBefore = Host.containers(data);
        assertThat(before).hasSize(2).allSatisfy((id, restarts) -> assertThat(restarts).isZero());
        assertThat(containersBefore).hasSize(2);

        long killedAt = System.nanoTime();
        agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(Host.containers(data)).as("containers survive the agent").containsExactlyInAnyOrderElementsOf(containersBefore);
        // What a crash between creating a container and saving its handle leaves: a directory no allocation owns.
        Path orphan = data.resolve("runc/containers/orphan-x");
        Files.createDirectories(orphan.resolve("bundle/rootfs"));
        Files.writeString(orphan.resolve("bundle/config.json"), "{}");

        agent = startAgent("agent-2.log");
        eventually(Duration.ofSeconds(30), "the orphan removed", () -> !Files.exists(orphan));
        eventually(NODE_TTL, "both allocations reported running again by the restarted agent",
                () -> Gantry.run(address, "status", "web", "-o", "json").stdout().contains("\"running\": 2")
                        && Gantry.logOf(dir.resolve("agent-2.log")).contains("re-adopting allocation"));
        System.out.printf("agent SIGKILL -> re-adopted and reported running: %d ms (node TTL %d s)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), NODE_TTL.toSeconds());
        // Let a whole TTL pass after the kill: a scheduler that took the restart for node loss would act by then.
        long waitMs = NODE_TTL.toMillis() + 2000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        if (waitMs > 0) Thread.sleep(waitMs);

        String agentLog = Gantry.logOf(dir.resolve("agent-2.log"));
        assertThat(agentLog).contains("removed orphaned container orphan-x");
        assertThat(restartsByAllocation()).as("same allocations, no restart counted").isEqualTo(before);
        assertThat(Gantry.run(address, "ps", "--all", "-o", "json").json().get("allocations").size())
                .as("no allocation was added or replaced").isEqualTo(2);
        assertThat(Host.containers(data)).as("the same containers").containsExactlyInAnyOrderElementsOf(containersBefore);
        assertThat(Gantry.run(address, "nodes", "-o", "json").stdout()).contains("NODE_READY");

        assertThat(Gantry.run(address, "stop", "web").exitCode()).isZero();
        eventually(Duration.ofSeconds(30), "containers removed", () -> Host.containers(data).isEmpty());
        assertThat(Host.mountsUnder(data)).isEmpty();
    }

    /** Allocation id → restarts summed over its tasks, as `gantry status -o json` shows them. */
    private Map<String, Integer> restartsByAllocation() {
        Map<String, Integer> out = new TreeMap<>();
        for (JsonNode a : Gantry.run(address, "status", "web", "-o", "json").json().get("allocations")) {
            int restarts = 0;
            for (JsonNode t : a.path("task_states")) restarts += t.path("restarts").asInt(0);
            out.put(a.get("id").asText(), restarts);
        }
        return out;
    }
}
