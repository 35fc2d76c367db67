package dev.gantry.agent.alloc;

import com.google.protobuf.Duration;
import com.sun.net.httpserver.HttpServer;
import dev.gantry.agent.driver.ExecResult;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageConfig;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.Check;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health checks through the whole agent path: supervisor, runner, monitor, real probes
 * against an HTTP server on loopback standing in for the task (host network).
 */
class HealthChecksTest {
    @TempDir
    Path dir;

    private final FakeDriver driver = new FakeDriver();
    private final Map<String, AllocationUpdate> reports = new ConcurrentHashMap<>();
    private final List<AllocationUpdate> history = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> answers = new ConcurrentHashMap<>(Map.of("/ready", 200, "/live", 200));
    /** How many more times /live answers 500: exactly one threshold's worth kills exactly once. */
    private final java.util.concurrent.atomic.AtomicInteger liveFailures = new java.util.concurrent.atomic.AtomicInteger();
    private HttpServer http;
    private AllocationSupervisor supervisor;

    @BeforeEach
    void serve() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            boolean fail = path.equals("/live") && liveFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            ex.sendResponseHeaders(fail ? 500 : answers.getOrDefault(path, 404), -1);
            ex.close();
        });
        http.start();
    }

    @AfterEach
    void close() throws InterruptedException {
        // Stop the tasks too: their monitors would keep probing (and killing) after the test.
        if (supervisor != null) {
            supervisor.stopAll(java.time.Duration.ofSeconds(5));
            supervisor.close();
        }
        http.stop(0);
    }

    private static Check check(String name, String kind, String path) {
        return Check.newBuilder().setName(name).setKind(kind).setType("http").setPort("http").setPath(path)
                .setInterval(Duration.newBuilder().setNanos(30_000_000)).setTimeout(Duration.newBuilder().setNanos(500_000_000))
                .setFailureThreshold(2).build();
    }

    private static Job job(Check... checks) {
        return Job.newBuilder().setNamespace("default").setName("web").setCount(1).setVersion(1)
                .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setAttempts(3)
                        .setInterval(Duration.newBuilder().setSeconds(60)).setDelay(Duration.newBuilder().setNanos(1_000_000)))
                .addTasks(Task.newBuilder().setName("web").setImage("file:/x").addCommand("/bin/serve")
                        .addPorts(Port.newBuilder().setName("http")).addAllChecks(List.of(checks))
                        .setStopGrace(Duration.newBuilder().setSeconds(1)))
                .build();
    }

    private void run(Job job) {
        ImageResolver images = ref -> new Image(ref, "sha256:0", List.of(dir), new ImageConfig(List.of(), List.of(), List.of(), "/", ""));
        supervisor = new AllocationSupervisor(Map.of("runc", driver), images, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> {
                    reports.put(u.getAllocationId(), u);
                    history.add(u);
                });
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(Assignment.newBuilder().setJob(job)
                .setAllocation(Allocation.newBuilder().setId("a1").setNamespace("default").setJob("web").setNodeId("n1")
                        .setDesiredStatus(DesiredStatus.DESIRED_RUN)
                        .addPorts(AllocatedPort.newBuilder().setTask("web").setName("http").setValue(http.getAddress().getPort()))))
                .build());
    }

    private TaskState web() {
        AllocationUpdate u = reports.get("a1");
        return u == null ? TaskState.getDefaultInstance() : u.getTaskStatesMap().get("web");
    }

    @Test
    void aTaskWithoutChecksIsHealthyWhileItRuns() throws Exception {
        run(job());
        eventually(() -> reports.containsKey("a1") && reports.get("a1").getClientStatus() == ClientStatus.CLIENT_RUNNING);
        assertThat(web().getHealthy()).isTrue();
        driver.exit("a1-web", 0);
        eventually(() -> reports.get("a1").getClientStatus() == ClientStatus.CLIENT_COMPLETE);
        assertThat(web().getHealthy()).isFalse();
    }

    @Test
    void readinessFollowsTheHttpCheckAndNeverRestartsTheTask() throws Exception {
        answers.put("/ready", 503);
        run(job(check("ready", "readiness", "/ready")));
        eventually(() -> reports.containsKey("a1") && reports.get("a1").getClientStatus() == ClientStatus.CLIENT_RUNNING);
        assertThat(web().getHealthy()).isFalse();

        answers.put("/ready", 200);
        eventually(() -> web().getHealthy());
        assertThat(web().getHealthMessage()).isEmpty();

        answers.put("/ready", 500);
        eventually(() -> !web().getHealthy());
        assertThat(web().getHealthMessage()).contains("readiness check ready failing: HTTP 500");
        assertThat(reports.get("a1").getClientStatus()).isEqualTo(ClientStatus.CLIENT_RUNNING);
        assertThat(driver.stopped).isEmpty();
        assertThat(driver.started).hasSize(1);
    }

    @Test
    void aFailedLivenessCheckRestartsTheTaskUnderItsRestartPolicy() throws Exception {
        run(job(check("alive", "liveness", "/live")));
        eventually(() -> reports.containsKey("a1") && reports.get("a1").getClientStatus() == ClientStatus.CLIENT_RUNNING);
        assertThat(web().getHealthy()).isTrue();   // liveness alone does not gate readiness

        liveFailures.set(2);   // the check's failure threshold
        eventually(() -> driver.started.size() == 2);
        eventually(() -> web().getRestarts() == 1 && reports.get("a1").getClientStatus() == ClientStatus.CLIENT_RUNNING);
        assertThat(driver.stopped).first().isEqualTo("a1-web:SIGTERM");
        assertThat(history).anySatisfy(u -> assertThat(u.getTaskStatesMap().get("web").getMessage())
                .startsWith("liveness check alive failed: HTTP 500").contains("restarting in"));
        // The new container is probed afresh and stays up.
        Thread.sleep(200);
        assertThat(driver.started).hasSize(2);
    }

    @Test
    void execChecksRunInTheContainerThroughTheDriver() throws Exception {
        var ready = new java.util.concurrent.atomic.AtomicInteger(1);
        driver.execs = cmd -> cmd.get(0).equals("ready") ? new ExecResult(ready.get(), false, "not yet\n", false)
                : new ExecResult(0, false, "", false);
        run(job(execCheck("cmd", "readiness", "ready", "--quick"), execCheck("alive", "liveness", "alive")));
        eventually(() -> reports.containsKey("a1") && reports.get("a1").getClientStatus() == ClientStatus.CLIENT_RUNNING);
        eventually(() -> web().getHealthMessage().contains("readiness check cmd failing: `ready --quick` exited with 1: not yet"));
        assertThat(web().getHealthy()).isFalse();

        ready.set(0);
        eventually(() -> web().getHealthy());
        assertThat(driver.executed).contains(List.of("ready", "--quick"), List.of("alive"));

        driver.execs = cmd -> new ExecResult(-1, true, "", false);   // liveness times out: the task restarts
        eventually(() -> driver.started.size() == 2);
        assertThat(history).anySatisfy(u -> assertThat(u.getTaskStatesMap().get("web").getMessage())
                .startsWith("liveness check alive failed: `alive` did not finish within 500ms"));
    }

    private static Check execCheck(String name, String kind, String... command) {
        return Check.newBuilder().setName(name).setKind(kind).setType("exec").addAllCommand(List.of(command))
                .setInterval(Duration.newBuilder().setNanos(30_000_000)).setTimeout(Duration.newBuilder().setNanos(500_000_000))
                .setFailureThreshold(2).build();
    }
}
