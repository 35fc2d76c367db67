package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.agent.image.LocalRegistry;
import dev.gantry.agent.image.RegistryPush;
import dev.gantry.testing.EtcdServer;
import dev.gantry.testing.RuntimeRequirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Base64;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6, image pull secrets: a registry with basic auth (docker-registry and htpasswd on
 * 127.0.0.1) and an agent without credentials of its own. A job whose task names a secret put
 * with `gantry secret put` pulls and serves; the same image without the secret is refused
 * (unauthorized); a secret that does not exist fails the start saying so. The password never
 * lands in the agent's data directory or log.
 */
class RegistrySecretJobIT {
    private static final String PASSWORD = "s3cr3t-for-it!";

    @TempDir
    Path dir;

    private LocalRegistry registry;
    private EtcdServer etcd;
    private Process scheduler;
    private Process agent;
    private String address;

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (scheduler != null && scheduler.isAlive()) {
                for (String job : new String[]{"web", "anon", "absent"}) Gantry.run(address, "stop", job);
                eventually(Duration.ofSeconds(30), "containers stopped", () -> Host.containers(dir.resolve("agent")).isEmpty());
            }
        } finally {
            Gantry.stop(agent, Duration.ofSeconds(10));
            Gantry.stop(scheduler, Duration.ofSeconds(10));
            if (etcd != null) etcd.close();
            if (registry != null) registry.close();
        }
    }

    private String failureOf(String job) {
        Gantry.Result ps = Gantry.run(address, "ps", "--all", "-o", "json");
        for (JsonNode a : ps.json().path("allocations")) {
            if (a.path("job").asText().equals(job) && a.path("client_status").asText().equals("CLIENT_FAILED")) {
                return a.at("/task_states/web/message").asText();
            }
        }
        return null;
    }

    private String spec(String job, String secretLine) {
        return """
                name: %s
                count: 1
                restart: {policy: on-failure, attempts: 0, interval: 1m, delay: 1s}
                tasks:
                  - name: web
                    image: %s/private/web:1
                    pull_policy: always
                %s
                    resources: {cpu: 50m, memory: 32Mi}
                    ports: [{name: http}]
                    stop_grace: 3s
                """.formatted(job, registry.host(), secretLine);
    }

    @Test
    void aTaskPullsWithTheSecretItNamesAndOnlyWithIt() throws Exception {
        RuntimeRequirements.requireRuncHost();
        long t0 = System.nanoTime();
        registry = LocalRegistry.startWithBasicAuth(Files.createDirectories(dir.resolve("registry")), "dave", PASSWORD);
        ExampleImage.layout(dir.resolve("layout"));
        String basic = Base64.getEncoder().encodeToString(("dave:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        new RegistryPush(registry.base(), "private/web", "Basic " + basic).push(dir.resolve("layout"), "example/web:1", "1");

        etcd = EtcdServer.startForTest();
        int grpcPort = Gantry.freePort();
        address = "127.0.0.1:" + grpcPort;
        String prefix = "/gantry-secret-it-" + Long.toHexString(System.nanoTime()) + "/";
        scheduler = Gantry.start(dir.resolve("scheduler.log"), "scheduler", "--etcd", String.join(",", etcd.endpoints()),
                "--prefix", prefix, "--bind", "127.0.0.1",
                "--port", String.valueOf(grpcPort), "--http-port", String.valueOf(Gantry.freePort()));
        agent = Gantry.start(dir.resolve("agent.log"), "agent", "--scheduler", address,
                "--data-dir", dir.resolve("agent").toString(), "--agent-port", String.valueOf(Gantry.freePort()),
                "--dynamic-ports", Gantry.portRange(20), "--name", "node-0",
                "--insecure-registry", registry.host(), "--registry-config", dir.resolve("no-config.json").toString());
        eventually(Duration.ofSeconds(60), "the agent registered",
                () -> Gantry.run(address, "nodes", "-o", "json").stdout().contains("NODE_READY"));

        System.out.printf("secret IT: cluster up after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        Path config = Files.writeString(dir.resolve("config.json"),
                "{\"auths\": {\"http://" + registry.host() + "/v2/\": {\"auth\": \"" + basic + "\"}}}");
        Gantry.Result put = Gantry.run(address, "secret", "put", "regcred", "-f", config.toString());
        assertThat(put.exitCode()).as(put.stderr()).isZero();
        assertThat(put.stdout()).contains("secret regcred stored in namespace default: credentials for " + registry.host());

        Path web = Files.writeString(dir.resolve("web.yaml"), spec("web", "    image_pull_secret: regcred"));
        Gantry.Result run = Gantry.run(address, "run", "-f", web.toString(), "--wait", "--timeout", "90s");
        assertThat(run.exitCode()).as(run.stderr() + Gantry.logOf(dir.resolve("agent.log"))).isZero();
        JsonNode status = Gantry.run(address, "status", "web", "-o", "json").json();
        JsonNode alloc = status.get("allocations").get(0);
        assertThat(Host.httpGet(alloc.at("/ports/0/value").asInt())).isEqualTo("hello from replica 0 of web\n");

        System.out.printf("secret IT: job with the secret serving after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        // The same image on the same node without the secret: the agent's own (no) credentials are refused.
        Path anon = Files.writeString(dir.resolve("anon.yaml"), spec("anon", ""));
        assertThat(Gantry.run(address, "run", "--detach", "-f", anon.toString()).exitCode()).isZero();
        eventually(Duration.ofSeconds(60), "the job without the secret failed", () -> failureOf("anon") != null);
        assertThat(failureOf("anon")).contains("image " + registry.host() + "/private/web:1: unauthorized:");

        System.out.printf("secret IT: job without the secret failed after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        // A secret that does not exist fails the start with a message that says so.
        Path absent = Files.writeString(dir.resolve("absent.yaml"), spec("absent", "    image_pull_secret: nosuch"));
        assertThat(Gantry.run(address, "run", "--detach", "-f", absent.toString()).exitCode()).isZero();
        eventually(Duration.ofSeconds(60), "the job naming a missing secret failed", () -> failureOf("absent") != null);
        assertThat(failureOf("absent")).contains("image pull secret nosuch not found in namespace default");

        System.out.printf("secret IT: job naming a missing secret failed after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        // Listed without its content; nothing of the password on the agent's disk or in its log.
        Gantry.Result ls = Gantry.run(address, "secret", "ls", "-o", "json");
        assertThat(ls.stdout()).contains("regcred", registry.host()).doesNotContain(basic);
        assertThat(Files.readString(dir.resolve("agent.log"))).doesNotContain(basic).doesNotContain(PASSWORD);
        int scanned = scanFiles(dir.resolve("agent"), (f, content) ->
                assertThat(content).as(f.toString()).doesNotContain(basic).doesNotContain(PASSWORD));
        assertThat(scanned).as("files scanned under the agent's data directory").isPositive();
    }

    /**
     * Hands every regular file under {@code root} to {@code check}. The agent keeps retrying the failing jobs
     * meanwhile, so an allocation's directory may be removed mid-walk: a file gone before it is read cannot
     * hold the secret and is passed over. Returns how many files were checked.
     */
    private static int scanFiles(Path root, java.util.function.BiConsumer<Path, String> check) throws IOException {
        int[] count = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile()) return FileVisitResult.CONTINUE;
                try {
                    check.accept(f, new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                    count[0]++;
                } catch (NoSuchFileException gone) {
                    // removed by the agent between listing and reading
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                throw e;
            }
        });
        return count[0];
    }
}
