package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gantry.api.v1.Endpoint;
import dev.gantry.api.v1.EndpointsRequest;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.testing.EtcdServer;
import dev.gantry.testing.RuntimeRequirements;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rollouts on real parts: etcd, two scheduler replicas, two agents running runc containers,
 * and the `gantry` CLI as a pipeline would call it. The tests build on each other in order
 * (v1 → v2 → failed v3 rolled back → canary → leader killed mid-rollout), on one cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutIT {
    /** Serves "version V replica I"; /ready unless NEVER_READY; /alive until BREAK_AFTER seconds have passed. */
    static final String SERVE = """
            #!/bin/sh
            mkdir -p /tmp/www
            echo "version ${APP_VERSION} replica ${GANTRY_ALLOC_INDEX}" > /tmp/www/index.html
            [ -z "$NEVER_READY" ] && echo ok > /tmp/www/ready
            echo ok > /tmp/www/alive
            httpd -f -p "${GANTRY_PORT_HTTP}" -h /tmp/www &
            pid=$!
            if [ -n "$BREAK_AFTER" ]; then (sleep "$BREAK_AFTER"; rm -f /tmp/www/alive) & fi
            trap 'kill $pid; exit 0' TERM INT
            wait $pid
            """;

    private Path dir;
    private EtcdServer etcd;
    private final List<Process> schedulers = new ArrayList<>();
    private final List<Integer> httpPorts = new ArrayList<>();
    private final List<String> grpcAddresses = new ArrayList<>();
    private final List<Process> agents = new ArrayList<>();
    private final List<String[]> agentArgs = new ArrayList<>();
    private String addresses;
    private Path image;

    @BeforeAll
    void startCluster() throws Exception {
        RuntimeRequirements.requireRuncHost();
        dir = Files.createTempDirectory("gantry-rollout-it");
        etcd = EtcdServer.startForTest();
        String prefix = "/gantry-rollout-" + Long.toHexString(System.nanoTime()) + "/";
        for (int i = 0; i < 2; i++) {
            int grpc = Gantry.freePort();
            int http = Gantry.freePort();
            grpcAddresses.add("127.0.0.1:" + grpc);
            httpPorts.add(http);
            schedulers.add(Gantry.start(dir.resolve("scheduler-" + i + ".log"), "scheduler", "--etcd", String.join(",", etcd.endpoints()),
                    "--prefix", prefix, "--bind", "127.0.0.1", "--port", String.valueOf(grpc), "--http-port", String.valueOf(http),
                    "--leader-ttl", "2s"));
        }
        addresses = String.join(",", grpcAddresses);
        for (int i = 0; i < 2; i++) {
            agentArgs.add(new String[]{"agent", "--scheduler", addresses,
                    "--data-dir", dir.resolve("agent-" + i).toString(), "--agent-port", String.valueOf(Gantry.freePort()),
                    "--dynamic-ports", Gantry.portRange(40), "--name", "node-" + i});
            agents.add(Gantry.start(dir.resolve("agent-" + i + ".log"), agentArgs.get(i)));
        }
        eventually(Duration.ofSeconds(60), "both agents registered",
                () -> Gantry.run(addresses, "nodes", "-o", "json").stdout().split("NODE_READY", -1).length == 3);
        image = ExampleImage.build(dir, SERVE, "web.tar");
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (!schedulers.isEmpty() && schedulers.stream().anyMatch(Process::isAlive)) {
            Gantry.run(addresses, "stop", "web");
            Gantry.run(addresses, "stop", "flaky");
            eventually(Duration.ofSeconds(30), "containers stopped", () -> Host.containers(dir.resolve("agent-0")).isEmpty()
                    && Host.containers(dir.resolve("agent-1")).isEmpty());
        }
        for (Process a : agents) Gantry.stop(a, Duration.ofSeconds(10));
        for (Process s : schedulers) Gantry.stop(s, Duration.ofSeconds(10));
        if (etcd != null) etcd.close();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Path spec(String version, String extraEnv, String update) throws IOException {
        Path f = dir.resolve("web-" + version + ".yaml");
        Files.writeString(f, """
                name: web
                count: 6
                update: {%s}
                restart: {policy: on-failure, attempts: 2, interval: 1m, delay: 1s}
                tasks:
                  - name: web
                    image: file:%s
                    env: {APP_VERSION: %s%s}
                    resources: {cpu: 20m, memory: 16Mi}
                    ports: [{name: http}]
                    stop_grace: 3s
                    shutdown_delay: 1s
                    checks:
                      - {name: ready, kind: readiness, type: http, port: http, path: /ready, interval: 250ms, timeout: 1s}
                """.formatted(update, image, version, extraEnv));
        return f;
    }

    private static final String ROLLING = "max_surge: \"0\", max_unavailable: \"1\", min_healthy_time: 1s, "
            + "healthy_deadline: 10s, progress_deadline: 20s, auto_revert: true";

    @Test
    @Order(1)
    void aRollingUpdateKeepsFiveOfSixHealthyAndFailsNoRequest() throws Exception {
        Gantry.Result v1 = Gantry.run(addresses, "run", "-f", spec("v1", "", ROLLING).toString());
        assertThat(v1.exitCode()).as(v1.stderr() + logs()).isZero();
        assertThat(versionsServed()).containsOnlyKeys("v1");

        try (Sampler sampler = new Sampler(grpcAddresses.get(0))) {
            sampler.start();
            eventually(Duration.ofSeconds(10), "the sampler seeing 6 replicas", () -> sampler.maxHealthy.get() == 6);
            Gantry.Result v2 = Gantry.run(addresses, "run", "-f", spec("v2", "", ROLLING).toString());
            sampler.stop();
            System.out.println("$ gantry run -f web-v2.yaml   (exit " + v2.exitCode() + ")\n" + v2.stderr() + v2.stdout());
            assertThat(v2.exitCode()).as(v2.stderr()).isZero();
            assertThat(v2.stderr()).contains("rollout of version 2 complete");
            assertThat(sampler.failures).as("failed requests").isEmpty();
            assertThat(sampler.requests.get()).isGreaterThan(50);
            assertThat(sampler.minHealthy.get()).as("fewest healthy replicas seen").isGreaterThanOrEqualTo(5);
            System.out.printf("rolling update v1->v2: %d requests, 0 failed, min healthy %d of 6%n",
                    sampler.requests.get(), sampler.minHealthy.get());
        }
        assertThat(versionsServed()).containsExactly(Map.entry("v2", 6));
    }

    @Test
    @Order(2)
    void aVersionThatNeverTurnsReadyIsRolledBackAndTheCommandSaysSo() throws Exception {
        Gantry.Result v3 = Gantry.run(addresses, "run", "-f", spec("v3", ", NEVER_READY: \"1\"", ROLLING).toString());
        System.out.println("$ gantry run -f web-v3.yaml   (exit " + v3.exitCode() + ")\n" + v3.stderr());
        assertThat(v3.exitCode()).as(v3.stderr()).isEqualTo(8);
        assertThat(v3.stderr()).contains("rollout of version 3 FAILED and was rolled back", "now running version 4");
        assertThat(versionsServed()).containsExactly(Map.entry("v2", 6));
        Gantry.Result history = Gantry.run(addresses, "history", "web");
        System.out.println("$ gantry history web\n" + history.stdout());
        assertThat(history.stdout()).contains("rolled back", "automatic rollback of version 3 to version 2",
                "tasks[web].env.APP_VERSION: \"v2\" -> \"v3\"");
    }

    @Test
    @Order(3)
    void aCanaryRunsBesideTheOldVersionUntilPromoted() throws Exception {
        String canary = "canary: 1, max_surge: \"0\", max_unavailable: \"1\", min_healthy_time: 1s, "
                + "healthy_deadline: 10s, progress_deadline: 60s";
        Gantry.Result submitted = Gantry.run(addresses, "run", "--detach", "-f", spec("v4", "", canary).toString());
        assertThat(submitted.exitCode()).as(submitted.stderr()).isZero();
        eventually(Duration.ofSeconds(30), "the canary serving", () -> versionsServed().getOrDefault("v4", 0) == 1);
        Thread.sleep(3000);   // long enough for an unwanted step: min_healthy_time is 1s
        assertThat(versionsServed()).containsExactly(Map.entry("v2", 6), Map.entry("v4", 1));
        Gantry.Result waiting = Gantry.run(addresses, "rollout", "status", "web", "--no-wait");
        System.out.println("$ gantry rollout status web --no-wait\n" + waiting.stdout());
        assertThat(waiting.stdout()).contains("to be promoted");

        Gantry.Result promote = Gantry.run(addresses, "rollout", "promote", "web");
        assertThat(promote.exitCode()).as(promote.stderr()).isZero();
        Gantry.Result status = Gantry.run(addresses, "rollout", "status", "web");
        System.out.println("$ gantry rollout promote web\n" + promote.stdout() + "$ gantry rollout status web   (exit "
                + status.exitCode() + ")\n" + status.stderr());
        assertThat(status.exitCode()).as(status.stderr()).isZero();
        assertThat(versionsServed()).containsExactly(Map.entry("v4", 6));
    }

    @Test
    @Order(4)
    void aRolloutCompletesWhenItsLeaderIsKilledHalfway() throws Exception {
        Gantry.Result submitted = Gantry.run(addresses, "run", "--detach", "-f", spec("v5", "", ROLLING).toString());
        assertThat(submitted.exitCode()).as(submitted.stderr()).isZero();
        eventually(Duration.ofSeconds(30), "the rollout half way", () -> versionsServed().getOrDefault("v5", 0) >= 2);
        int leader = leaderIndex();
        schedulers.get(leader).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        String survivor = grpcAddresses.get(1 - leader);

        Gantry.Result status = Gantry.run(survivor, "rollout", "status", "web");
        assertThat(status.exitCode()).as(status.stderr() + logs()).isZero();
        assertThat(versionsServed(survivor)).containsExactly(Map.entry("v5", 6));
        JsonNode job = Gantry.run(survivor, "status", "web", "-o", "json").json();
        assertThat(job.at("/job/version").asInt()).isEqualTo(6);
    }

    @Test
    @Order(5)
    void aRolloutCompletesWhenAnAgentIsKilledAndRestartedHalfway() throws Exception {
        String live = liveScheduler();
        Gantry.Result submitted = Gantry.run(live, "run", "--detach", "-f", spec("v6", "", ROLLING).toString());
        assertThat(submitted.exitCode()).as(submitted.stderr()).isZero();
        eventually(Duration.ofSeconds(30), "the rollout half way", () -> versionsServed().getOrDefault("v6", 0) >= 2);
        agents.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(1000);
        agents.set(0, Gantry.start(dir.resolve("agent-0-restarted.log"), agentArgs.get(0)));

        Gantry.Result status = Gantry.run(live, "rollout", "status", "web");
        assertThat(status.exitCode()).as(status.stderr() + logs()).isZero();
        assertThat(versionsServed()).containsExactly(Map.entry("v6", 6));
    }

    @Test
    @Order(6)
    void aReplicaThatFailsItsLivenessCheckIsRestarted() throws Exception {
        Path f = dir.resolve("flaky.yaml");
        Files.writeString(f, """
                name: flaky
                count: 1
                restart: {policy: on-failure, attempts: 10, interval: 1m, delay: 1s}
                tasks:
                  - name: web
                    image: file:%s
                    env: {APP_VERSION: flaky, BREAK_AFTER: "3"}
                    resources: {cpu: 20m, memory: 16Mi}
                    ports: [{name: http}]
                    stop_grace: 2s
                    checks:
                      - {name: alive, kind: liveness, type: http, port: http, path: /alive, initial_delay: 1s, interval: 250ms, timeout: 1s, failure_threshold: 2}
                """.formatted(image));
        String live = liveScheduler();
        // It never stays healthy for long, so its rollout would not end: do not wait for it.
        Gantry.Result run = Gantry.run(live, "run", "--detach", "-f", f.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        eventually(Duration.ofSeconds(40), "the replica restarted by its liveness check",
                () -> Gantry.run(live, "status", "flaky", "-o", "json").json().at("/allocations/0/task_states/web/restarts").asInt() >= 1);
        JsonNode a = Gantry.run(live, "status", "flaky", "-o", "json").json().at("/allocations/0");
        assertThat(a.get("client_status").asText()).isIn("CLIENT_RUNNING", "CLIENT_PENDING");
    }

    private String liveScheduler() {
        for (int i = 0; i < schedulers.size(); i++) if (schedulers.get(i).isAlive()) return grpcAddresses.get(i);
        throw new AssertionError("no scheduler alive");
    }

    private int leaderIndex() throws IOException {
        for (int i = 0; i < httpPorts.size(); i++) {
            if (Gantry.healthz(httpPorts.get(i), 10_000).contains("leader")) return i;
        }
        throw new AssertionError("no leader");
    }

    private Map<String, Integer> versionsServed() {
        return versionsServed(liveScheduler());
    }

    /** What the catalog's replicas answer, counted by version. */
    private static Map<String, Integer> versionsServed(String address) {
        Map<String, Integer> out = new TreeMap<>();
        JsonNode endpoints = Gantry.run(address, "endpoints", "web", "-o", "json").json().get("endpoints");
        if (endpoints == null) return out;
        for (JsonNode e : endpoints) {
            try {
                String page = get(e.get("address").asText(), e.get("ports").get(0).get("value").asInt());
                out.merge(page.split(" ")[1], 1, Integer::sum);
            } catch (IOException ex) {
                out.merge("unreachable", 1, Integer::sum);
            }
        }
        return out;
    }

    private static String get(String host, int port) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + host + ":" + port + "/").toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(2000);
        try {
            if (c.getResponseCode() != 200) throw new IOException("HTTP " + c.getResponseCode());
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } finally {
            c.disconnect();
        }
    }

    private String logs() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            b.append("\n--- scheduler ").append(i).append('\n').append(Gantry.logOf(dir.resolve("scheduler-" + i + ".log")));
            b.append("\n--- agent ").append(i).append('\n').append(Gantry.logOf(dir.resolve("agent-" + i + ".log")));
        }
        return b.toString();
    }

    /**
     * A client that follows the catalog as a load balancer would: it reads the healthy
     * endpoints, sends a request to one of them in turn, and counts what fails.
     */
    static final class Sampler implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger minHealthy = new AtomicInteger(Integer.MAX_VALUE);
        final AtomicInteger maxHealthy = new AtomicInteger();
        final Map<String, String> failures = new ConcurrentHashMap<>();
        private final ManagedChannel channel;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Sampler(String address) {
            channel = Gantry.channel(address);
            JobServiceGrpc.JobServiceBlockingStub jobs = JobServiceGrpc.newBlockingStub(channel);
            thread = new Thread(() -> {
                int n = 0;
                while (running.get()) {
                    List<Endpoint> eps = jobs.withDeadlineAfter(5, TimeUnit.SECONDS)
                            .endpoints(EndpointsRequest.newBuilder().setJob("web").build()).getEndpointsList();
                    // The fewest healthy counts from the first time all six were seen.
                    if (maxHealthy.accumulateAndGet(eps.size(), Math::max) >= 6) minHealthy.accumulateAndGet(eps.size(), Math::min);
                    if (!eps.isEmpty()) {
                        Endpoint e = eps.get(n++ % eps.size());
                        requests.incrementAndGet();
                        try {
                            get(e.getAddress(), e.getPorts(0).getValue());
                        } catch (IOException ex) {
                            failures.put(e.getAllocationId() + "#" + requests.get(), ex.toString());
                        }
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ex) {
                        return;
                    }
                }
            }, "sampler");
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
            channel.shutdownNow();
        }
    }
}
