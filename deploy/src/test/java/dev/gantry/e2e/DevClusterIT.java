package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main job end to end: `gantry dev` from the built distribution runs a 3-replica job from
 * a locally built image on real runc+conmon; every replica answers HTTP on its allocated
 * port; `gantry stop` removes the containers, their mounts and their cgroups.
 */
class DevClusterIT {
    @TempDir
    Path dir;

    private Process dev;
    private Path log;
    private String address;
    private Path data;

    @BeforeEach
    void startDevCluster() throws Exception {
        RuntimeRequirements.requireRuncHost();
        int port = Gantry.freePort();
        address = "127.0.0.1:" + port;
        data = dir.resolve("data");
        log = dir.resolve("dev.log");
        dev = Gantry.start(log, "dev", "--port", String.valueOf(port), "--http-port", String.valueOf(Gantry.freePort()),
                "--agent-port", String.valueOf(Gantry.freePort()), "--data-dir", data.toString(),
                "--dynamic-ports", Gantry.portRange(200));
        eventually(Duration.ofSeconds(60), "the dev node registering (log: " + log + ")",
                () -> Gantry.run(address, "nodes", "-o", "json").stdout().contains("NODE_READY"));
    }

    @AfterEach
    void stopDevCluster() throws Exception {
        Gantry.stop(dev, Duration.ofSeconds(40));
    }

    @Test
    void runsThreeReplicasThatServeHttpAndStopLeavesNothingBehind() throws Exception {
        Path image = ExampleImage.build(dir);
        Path spec = dir.resolve("web.yaml");
        Files.writeString(spec, ExampleImage.job(image, "web", 3));

        Gantry.Result run = Gantry.run(address, "run", "-f", spec.toString(), "--wait", "--timeout", "90s");
        assertThat(run.exitCode()).as(run.stderr() + "\n" + Gantry.logOf(log)).isZero();

        JsonNode status = Gantry.run(address, "status", "web", "-o", "json").json();
        assertThat(status.at("/summary/running").asInt()).isEqualTo(3);
        List<String> allocIds = new ArrayList<>();
        for (JsonNode a : status.get("allocations")) {
            allocIds.add(a.get("id").asText());
            int index = a.path("index").asInt(0);
            int port = a.at("/ports/0/value").asInt();
            assertThat(Host.httpGet(port)).isEqualTo("hello from replica " + index + " of web\n");
        }
        assertThat(allocIds).hasSize(3);
        assertThat(Host.containers(data)).hasSize(3);
        assertThat(Host.mountsUnder(data)).hasSize(3);

        Gantry.Result logs = Gantry.run(address, "logs", "web");
        assertThat(logs.exitCode()).isZero();
        assertThat(logs.stdout()).contains("[0] serving on port", "[1] serving on port", "[2] serving on port");

        List<String> jsonLines = Gantry.run(address, "logs", "web", "-o", "json").stdout().lines().toList();
        assertThat(jsonLines).hasSizeGreaterThanOrEqualTo(3);
        for (String line : jsonLines) {
            JsonNode l = Gantry.JSON.readTree(line);
            assertThat(allocIds).contains(l.get("allocation").asText());
            assertThat(l.get("stream").asText()).isIn("stdout", "stderr");
        }

        Gantry.Result human = Gantry.run(address, "status", "web");
        assertThat(human.stdout()).contains("replicas  3/3 running").contains("dev");

        assertThat(Gantry.run(address, "stop", "web").exitCode()).isZero();
        eventually(Duration.ofSeconds(30), "every container removed", () -> Host.containers(data).isEmpty());
        eventually(Duration.ofSeconds(10), "every overlay unmounted", () -> Host.mountsUnder(data).isEmpty());
        for (String id : allocIds) assertThat(Host.cgroupsOf(id)).as("cgroups of " + id).isEmpty();
        assertThat(Gantry.run(address, "ps", "-o", "json").json().path("allocations").size()).isZero();
    }

    @Test
    void aContainerThatKeepsFailingIsRestartedThenReportedFailedWithItsExitCode() throws Exception {
        Path image = ExampleImage.build(dir);
        Path spec = dir.resolve("crash.yaml");
        Files.writeString(spec, ExampleImage.job(image, "crash", 1).replace("resources:", "command: [/bin/sh, -c, \"echo dying; exit 3\"]\n    resources:"));
        // `run` waits for the rollout, which fails once the replica gives up: exit 7, saying why.
        Gantry.Result run = Gantry.run(address, "run", "-f", spec.toString());
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(7);
        assertThat(run.stderr()).contains("rollout of version 1 failed", "replica 0");

        // attempts: 2 → three runs, then the allocation fails and the scheduler places a new one.
        eventually(Duration.ofSeconds(60), "a failed allocation", () ->
                Gantry.run(address, "ps", "--all", "-o", "json").stdout().contains("CLIENT_FAILED"));
        JsonNode all = Gantry.run(address, "ps", "--all", "-o", "json").json().get("allocations");
        JsonNode failed = null;
        for (JsonNode a : all) if (a.path("client_status").asText().equals("CLIENT_FAILED")) failed = a;
        assertThat(failed).isNotNull();
        JsonNode task = failed.at("/task_states/web");
        assertThat(task.path("last_exit_code").asInt()).isEqualTo(3);
        assertThat(task.path("restarts").asInt()).isEqualTo(2);
        assertThat(Gantry.run(address, "logs", failed.get("id").asText()).stdout()).contains("dying");
        assertThat(Gantry.run(address, "stop", "crash").exitCode()).isZero();
    }
}
