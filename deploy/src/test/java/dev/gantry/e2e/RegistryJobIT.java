package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.agent.image.LocalRegistry;
import dev.gantry.agent.image.OciImageWriter;
import dev.gantry.agent.image.RegistryPush;
import dev.gantry.testing.EtcdServer;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6: a job whose image comes from a registry. A real registry (docker-registry on
 * 127.0.0.1) holds the example web image; a scheduler on etcd and two agents, each with its own
 * image store, run a 2-replica job with distinct_hosts: each agent pulls the image itself, both
 * replicas serve HTTP. A tag the registry lacks fails the start with the registry's reason.
 */
class RegistryJobIT {
    @TempDir
    Path dir;

    private LocalRegistry registry;
    private EtcdServer etcd;
    private Process scheduler;
    private final List<Process> agents = new ArrayList<>();
    private String address;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (scheduler != null && scheduler.isAlive()) {
                Gantry.run(address, "stop", "web");
                Gantry.run(address, "stop", "missing");
                eventually(Duration.ofSeconds(30), "containers stopped",
                        () -> Host.containers(dir.resolve("agent-0")).isEmpty() && Host.containers(dir.resolve("agent-1")).isEmpty());
            }
        } finally {
            for (Process a : agents) Gantry.stop(a, Duration.ofSeconds(10));
            Gantry.stop(scheduler, Duration.ofSeconds(10));
            if (etcd != null) etcd.close();
            if (registry != null) registry.close();
        }
    }

    @Test
    void twoAgentsEachPullTheImageAndBothReplicasServe() throws Exception {
        RuntimeRequirements.requireRuncHost();
        registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")));
        OciImageWriter.WrittenImage image = ExampleImage.layout(dir.resolve("layout"));
        String digest = new RegistryPush(registry.base(), "example/web", null).push(dir.resolve("layout"), "example/web:1", "1");
        assertThat(digest).isEqualTo(image.manifestDigest());

        etcd = EtcdServer.startForTest();
        int grpcPort = Gantry.freePort();
        address = "127.0.0.1:" + grpcPort;
        scheduler = Gantry.start(dir.resolve("scheduler.log"), "scheduler", "--etcd", String.join(",", etcd.endpoints()),
                "--prefix", "/gantry-registry-it-" + Long.toHexString(System.nanoTime()) + "/", "--bind", "127.0.0.1",
                "--port", String.valueOf(grpcPort), "--http-port", String.valueOf(Gantry.freePort()));
        for (int i = 0; i < 2; i++) {
            agents.add(Gantry.start(dir.resolve("agent-" + i + ".log"), "agent", "--scheduler", address,
                    "--data-dir", dir.resolve("agent-" + i).toString(), "--agent-port", String.valueOf(Gantry.freePort()),
                    "--dynamic-ports", Gantry.portRange(40), "--name", "node-" + i,
                    "--insecure-registry", registry.host(), "--registry-config", dir.resolve("no-config.json").toString()));
        }
        eventually(Duration.ofSeconds(60), "both agents registered",
                () -> Gantry.run(address, "nodes", "-o", "json").stdout().split("NODE_READY", -1).length == 3);

        Path spec = dir.resolve("web.yaml");
        Files.writeString(spec, """
                name: web
                count: 2
                constraints: [{distinct_hosts: true}]
                restart: {policy: on-failure, attempts: 2, interval: 1m, delay: 1s}
                tasks:
                  - name: web
                    image: %s/example/web:1
                    resources: {cpu: 50m, memory: 32Mi}
                    ports: [{name: http}]
                    stop_grace: 3s
                """.formatted(registry.host()));
        long submitted = System.nanoTime();
        Gantry.Result run = Gantry.run(address, "run", "-f", spec.toString(), "--wait", "--timeout", "90s");
        System.out.printf("registry job: submit -> 2 replicas pulled and running on two agents: %d ms%n",
                (System.nanoTime() - submitted) / 1_000_000);
        assertThat(run.exitCode()).as(run.stderr() + Gantry.logOf(dir.resolve("agent-0.log")) + Gantry.logOf(dir.resolve("agent-1.log")))
                .isZero();

        JsonNode status = Gantry.run(address, "status", "web", "-o", "json").json();
        assertThat(status.at("/summary/running").asInt()).isEqualTo(2);
        Set<String> nodes = new HashSet<>();
        for (JsonNode a : status.get("allocations")) {
            nodes.add(a.get("node_id").asText());
            int index = a.path("index").asInt(0);
            assertThat(Host.httpGet(a.at("/ports/0/value").asInt())).isEqualTo("hello from replica " + index + " of web\n");
        }
        assertThat(nodes).as("distinct_hosts: one replica per agent").hasSize(2);
        for (int i = 0; i < 2; i++) {
            Path store = dir.resolve("agent-" + i).resolve("images");
            for (String diffId : image.diffIds()) {
                assertThat(store.resolve("layers").resolve(diffId.substring("sha256:".length())))
                        .as("agent %d unpacked the layer it pulled", i).isDirectory();
            }
            assertThat(store.resolve("blobs/sha256").resolve(image.manifestDigest().substring("sha256:".length()))).isRegularFile();
            assertThat(store.resolve("images").resolve(image.manifestDigest().substring("sha256:".length()) + ".json")).isRegularFile();
            assertThat(Host.containers(dir.resolve("agent-" + i))).hasSize(1);
        }

        // A tag the registry lacks: the start fails, saying so, rather than hanging.
        Files.writeString(spec, Files.readString(spec).replace("name: web\n", "name: missing\n") // job and task
                .replace("example/web:1", "example/web:nope").replace("count: 2", "count: 1")
                .replace("attempts: 2", "attempts: 0"));
        Gantry.Result missing = Gantry.run(address, "run", "--detach", "-f", spec.toString());
        assertThat(missing.exitCode()).as(missing.stderr()).isZero();
        eventually(Duration.ofSeconds(30), "a failed allocation of the missing image",
                () -> Gantry.run(address, "ps", "--all", "-o", "json").stdout().contains("CLIENT_FAILED"));
        String message = "";
        Gantry.Result ps = Gantry.run(address, "ps", "--all", "-o", "json");
        for (JsonNode a : ps.json().get("allocations")) {
            if (a.path("client_status").asText().equals("CLIENT_FAILED")) message = a.at("/task_states/missing/message").asText();
        }
        assertThat(message).as(ps.stdout()).contains("image " + registry.host() + "/example/web:nope: not found:",
                "the repository has no tag or manifest 'nope'");
    }
}
