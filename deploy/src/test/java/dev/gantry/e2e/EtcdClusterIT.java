package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.testing.EtcdServer;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scheduler and agent as separate processes against a real etcd: the job and its allocations
 * live in etcd, and killing the scheduler (SIGKILL) and starting it again loses nothing,
 * duplicates nothing and leaves the containers alone.
 */
class EtcdClusterIT {
    @TempDir
    Path dir;

    private EtcdServer etcd;
    private Process scheduler;
    private Process agent;

    @AfterEach
    void tearDown() throws Exception {
        if (scheduler != null && agent != null && agent.isAlive()) {
            Gantry.run(address, "stop", "web");
            eventually(Duration.ofSeconds(30), "containers stopped", () -> Host.containers(dir.resolve("agent")).isEmpty());
        }
        Gantry.stop(agent, Duration.ofSeconds(10));
        Gantry.stop(scheduler, Duration.ofSeconds(10));
        if (etcd != null) etcd.close();
    }

    private String address;
    private String prefix;
    private int grpcPort;
    private int httpPort;

    private Process startScheduler(String logName) throws IOException {
        return Gantry.start(dir.resolve(logName), "scheduler", "--etcd", String.join(",", etcd.endpoints()),
                "--prefix", prefix, "--bind", "127.0.0.1", "--port", String.valueOf(grpcPort), "--http-port", String.valueOf(httpPort));
    }

    @Test
    void aKilledSchedulerComesBackWithTheSameJobAndAllocations() throws Exception {
        RuntimeRequirements.requireRuncHost();
        etcd = EtcdServer.startForTest();
        prefix = "/gantry-it-" + Long.toHexString(System.nanoTime()) + "/";
        grpcPort = Gantry.freePort();
        httpPort = Gantry.freePort();
        address = "127.0.0.1:" + grpcPort;
        scheduler = startScheduler("scheduler-1.log");
        Path data = dir.resolve("agent");
        agent = Gantry.start(dir.resolve("agent.log"), "agent", "--scheduler", address, "--data-dir", data.toString(),
                "--agent-port", String.valueOf(Gantry.freePort()), "--dynamic-ports", Gantry.portRange(100), "--name", "it-node");
        eventually(Duration.ofSeconds(60), "the agent registering",
                () -> Gantry.run(address, "nodes", "-o", "json").stdout().contains("NODE_READY"));

        Path image = ExampleImage.build(dir);
        Path spec = dir.resolve("web.yaml");
        Files.writeString(spec, ExampleImage.job(image, "web", 2));
        Gantry.Result run = Gantry.run(address, "run", "-f", spec.toString(), "--wait", "--timeout", "90s");
        assertThat(run.exitCode()).as(run.stderr() + Gantry.logOf(dir.resolve("agent.log"))).isZero();

        TreeSet<String> allocsBefore = allocationIds();
        List<String> containersBefore = Host.containers(data);
        assertThat(allocsBefore).hasSize(2);
        assertThat(containersBefore).hasSize(2);
        assertThat(etcdKeys()).contains(prefix + "jobs/default/web")
                .containsAll(allocsBefore.stream().map(id -> prefix + "allocs/" + id).toList());
        assertThat(health()).isEqualTo(200);

        scheduler.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(Gantry.run(address, "status", "web").exitCode()).as("exit code with no scheduler").isEqualTo(4);
        assertThat(Host.containers(data)).as("containers survive the scheduler").containsExactlyInAnyOrderElementsOf(containersBefore);

        scheduler = startScheduler("scheduler-2.log");
        eventually(Duration.ofSeconds(60), "the scheduler answering and the agent back",
                () -> Gantry.run(address, "status", "web", "-o", "json").stdout().contains("\"running\": 2"));
        // Give a restarted scheduler time to do anything wrong, then check it did not.
        Thread.sleep(3000);
        assertThat(allocationIds()).isEqualTo(allocsBefore);
        JsonNode all = Gantry.run(address, "ps", "--all", "-o", "json").json().get("allocations");
        assertThat(all.size()).as("no allocation was added or replaced").isEqualTo(2);
        assertThat(Host.containers(data)).containsExactlyInAnyOrderElementsOf(containersBefore);
        assertThat(etcdKeys().stream().filter(k -> k.startsWith(prefix + "allocs/")).count()).isEqualTo(2);
        JsonNode job = Gantry.run(address, "status", "web", "-o", "json").json();
        assertThat(job.at("/job/version").asInt()).isEqualTo(1);
    }

    private TreeSet<String> allocationIds() {
        TreeSet<String> ids = new TreeSet<>();
        for (JsonNode a : Gantry.run(address, "status", "web", "-o", "json").json().get("allocations")) ids.add(a.get("id").asText());
        return ids;
    }

    /** What `etcdctl get --prefix --keys-only` shows, as an operator would check it. */
    private List<String> etcdKeys() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("etcdctl", "--endpoints", String.join(",", etcd.endpoints()), "get", "--prefix", prefix,
                "--keys-only").redirectErrorStream(true);
        // The v3 API whatever this machine's environment says (ETCDCTL_API=2 or ETCDCTL_* of a system etcd).
        pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> keys = new ArrayList<>();
        out.lines().map(String::trim).filter(l -> !l.isEmpty()).forEach(keys::add);
        return keys;
    }

    private int health() throws IOException {
        return Integer.parseInt(Gantry.healthz(httpPort, 10_000).split(" ", 2)[0]);
    }
}
