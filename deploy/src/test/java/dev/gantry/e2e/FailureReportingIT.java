package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What goes wrong reaches the person who waits for it, on `gantry dev` with real runc: a task
 * that cannot start shows runc's own message in `status`, `ps` and `run` and its replacements
 * back off; a run that cannot be placed, or a rollout whose old replica holds the static port,
 * ends at once naming the port; a service replica that exits is reported at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailureReportingIT {
    private Path dir;
    private Process dev;
    private Path log;
    private String address;
    private Path image;

    @BeforeAll
    void startDevCluster() throws Exception {
        RuntimeRequirements.requireRuncHost();
        dir = Files.createTempDirectory("gantry-failures");
        int port = Gantry.freePort();
        address = "127.0.0.1:" + port;
        log = dir.resolve("dev.log");
        dev = Gantry.start(log, "dev", "--port", String.valueOf(port), "--http-port", String.valueOf(Gantry.freePort()),
                "--agent-port", String.valueOf(Gantry.freePort()), "--data-dir", dir.resolve("data").toString(),
                "--dynamic-ports", Gantry.portRange(200));
        eventually(Duration.ofSeconds(60), "the dev node registering (log: " + log + ")",
                () -> Gantry.run(address, "nodes", "-o", "json").stdout().contains("NODE_READY"));
        image = ExampleImage.build(dir);
    }

    @AfterAll
    void stopDevCluster() throws Exception {
        if (dev != null) Gantry.stop(dev, Duration.ofSeconds(40));
    }

    private Path spec(String name, String extra) throws Exception {
        Path spec = dir.resolve(name + ".yaml");
        Files.writeString(spec, ExampleImage.job(image, name, 1).replace("resources:", extra + "\n    resources:"));
        return spec;
    }

    private Path staticPortSpec(String name, int port, String version) throws Exception {
        Path spec = dir.resolve(name + "-" + version + ".yaml");
        Files.writeString(spec, ExampleImage.job(image, name, 1)
                .replace("ports: [{name: http}]", "ports: [{name: http, static: " + port + "}]")
                .replace("resources:", "env: {VERSION: \"" + version + "\"}\n    resources:"));
        return spec;
    }

    @Test
    void aTaskThatCannotStartShowsRuncsMessageEverywhereAndItsReplacementsBackOff() throws Exception {
        Path spec = dir.resolve("noexec.yaml");
        Files.writeString(spec, ExampleImage.job(image, "noexec", 1)
                .replace("restart: {policy: on-failure, attempts: 2, interval: 1m, delay: 1s}", "restart: {policy: never}")
                .replace("resources:", "command: [/no/such/binary]\n    resources:"));
        Gantry.Result run = Gantry.run(address, "run", "-f", spec.toString(), "--timeout", "60s");
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(7);
        assertThat(run.stderr()).contains("replica 0", "could not start", "/no/such/binary", "no such file or directory");

        Gantry.Result status = Gantry.run(address, "status", "noexec");
        assertThat(status.stdout()).as(status.stdout()).contains("could not start", "/no/such/binary", "not started")
                .contains("waiting to be replaced").contains("placed again in");
        assertThat(Gantry.run(address, "ps", "--all").stdout()).contains("/no/such/binary");

        // 5 s, then 10 s before the next replacement (plus each start's own time): the gaps grow.
        eventually(Duration.ofSeconds(60), "three allocations of noexec", () -> createTimes("noexec").size() >= 3);
        List<Instant> created = createTimes("noexec");
        Duration first = Duration.between(created.get(0), created.get(1));
        Duration second = Duration.between(created.get(1), created.get(2));
        assertThat(first).as("first wait").isGreaterThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(second).as("second wait, after %s", first).isGreaterThanOrEqualTo(Duration.ofSeconds(10))
                .isGreaterThan(first);
        assertThat(Gantry.run(address, "stop", "noexec").exitCode()).isZero();
    }

    private List<Instant> createTimes(String job) {
        List<Instant> out = new ArrayList<>();
        for (JsonNode a : Gantry.run(address, "ps", "--all", "-o", "json").json().path("allocations")) {
            if (a.path("job").asText().equals(job)) out.add(Instant.parse(a.path("create_time").asText()));
        }
        out.sort(null);
        return out;
    }

    @Test
    void aRunThatCannotBePlacedEndsAtOnceWithTheExplanation() throws Exception {
        int port = Gantry.freePort();
        Gantry.Result holder = Gantry.run(address, "run", "-f", staticPortSpec("holder", port, "1").toString(), "--timeout", "90s");
        assertThat(holder.exitCode()).as(holder.stderr()).isZero();

        long t0 = System.nanoTime();
        Gantry.Result blocked = Gantry.run(address, "run", "-f", staticPortSpec("blocked", port, "1").toString(), "--timeout", "90s");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(blocked.exitCode()).as(blocked.stderr()).isEqualTo(6);
        assertThat(blocked.stderr()).contains("cannot be rolled out", "port " + port + " in use");
        assertThat(took).as("time until run gave up").isLessThan(Duration.ofSeconds(5));
        assertThat(Gantry.run(address, "status", "blocked").stdout()).contains("port " + port + " in use", "nothing under way");

        Gantry.run(address, "stop", "blocked");
        Gantry.run(address, "stop", "holder");
    }

    @Test
    void aStaticPortRolloutOnOneNodeNamesThePortConflict() throws Exception {
        int port = Gantry.freePort();
        Gantry.Result v1 = Gantry.run(address, "run", "-f", staticPortSpec("pinned", port, "1").toString(), "--timeout", "90s");
        assertThat(v1.exitCode()).as(v1.stderr()).isZero();

        Gantry.Result v2 = Gantry.run(address, "run", "-f", staticPortSpec("pinned", port, "2").toString(), "--timeout", "90s");
        assertThat(v2.exitCode()).as(v2.stderr()).isEqualTo(6);
        assertThat(v2.stderr()).contains("version 2 cannot be rolled out", "port " + port + " in use");
        Gantry.run(address, "stop", "pinned");
    }

    @Test
    void aServiceReplicaThatExitsIsReportedAtOnce() throws Exception {
        long t0 = System.nanoTime();
        Gantry.Result run = Gantry.run(address, "run", "-f",
                spec("quits", "command: [/bin/sh, -c, \"echo bye; exit 0\"]").toString(), "--timeout", "90s");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(run.exitCode()).as(run.stderr()).isEqualTo(7);
        assertThat(run.stderr()).contains("replica 0", "completed", "exited with 0", "a service replica should keep running");
        assertThat(took).as("time until run reported it").isLessThan(Duration.ofSeconds(20));
        Gantry.run(address, "stop", "quits");
    }
}
