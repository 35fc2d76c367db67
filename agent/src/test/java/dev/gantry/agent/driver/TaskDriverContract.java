package dev.gantry.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.agent.driver.TaskConfig.SecurityOptions;
import dev.gantry.agent.driver.runc.Capability;
import dev.gantry.agent.driver.runc.OciSpec;
import dev.gantry.agent.health.ExecProbe;
import dev.gantry.agent.health.ProbeResult;
import dev.gantry.agent.logs.KubernetesLogFormat.Stream;
import dev.gantry.agent.logs.LogFile;
import dev.gantry.agent.logs.LogLine;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every task driver must do, run against real containers (DESIGN.md §5, §7): each driver's
 * {@code *DriverIT} subclasses this with its host setup and adds the cases only it has. Every
 * test cleans up after itself; the subclass checks that nothing is left.
 */
public abstract class TaskDriverContract {
    protected static final Duration WAIT = Duration.ofSeconds(20);
    private static final Logger LOG = LoggerFactory.getLogger(TaskDriverContract.class);

    /** The instance the tests use; {@link #newDriver()} makes more (an agent after a restart). */
    protected TaskDriver driver;
    private final List<TaskDriver> instances = new CopyOnWriteArrayList<>();
    private final Set<String> started = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A new driver instance over this test's host state (same root, same scope). */
    protected abstract TaskDriver createDriver() throws Exception;

    /** Stops an instance's own threads, as an agent that goes away; its containers keep running. */
    protected abstract void release(TaskDriver d);

    /** What {@link TaskConfig#image()} and {@link TaskConfig#layers()} are for the test image. */
    protected abstract String image();

    protected abstract List<Path> layers();

    /** Where this test's task logs go. */
    protected abstract Path logDir();

    /** Asserts that nothing of a destroyed container is left on the host. */
    protected abstract void assertGone(String containerId) throws Exception;

    /** Per-test host state (a state root, a scope), before the first driver instance. */
    protected void prepare() throws Exception {
    }

    @BeforeEach
    void startDriver() throws Exception {
        prepare();
        driver = newDriver();
    }

    protected final TaskDriver newDriver() throws Exception {
        TaskDriver d = createDriver();
        instances.add(d);
        return d;
    }

    /** Destroys everything this test started, even when it failed, then checks nothing is left. */
    @AfterEach
    void destroyEverything() throws Exception {
        TaskDriver cleaner = createDriver();
        Set<String> ids = new LinkedHashSet<>(started);
        if (cleaner instanceof ContainerInventory inventory) ids.addAll(inventory.containerIds());
        for (String id : ids) {
            try {
                cleaner.destroy(new TaskHandle(cleaner.name(), id, Map.of()));
            } catch (DriverException e) {
                LOG.error("cleanup of {} failed", id, e);
            }
        }
        release(cleaner);
        instances.forEach(this::release);
        for (String id : ids) assertGone(id);
    }

    // --- the contract ----------------------------------------------------------------------

    @Test
    void runsToExitCode() throws Exception {
        long t0 = System.nanoTime();
        TaskHandle h = start(config("exit", List.of("sh", "-c", "sleep 0.3; exit 3")));
        LOG.info("{}: start latency {} ms", driver.name(), (System.nanoTime() - t0) / 1_000_000);
        TaskInspection running = driver.inspect(h);
        assertThat(running.state()).isEqualTo(TaskInspection.State.RUNNING);
        assertThat(running.pid()).isPositive();

        ExitResult exit = await(h);
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.oomKilled()).isFalse();
        assertThat(exit.message()).contains("exited with code 3");
        assertThat(driver.inspect(h).state()).isEqualTo(TaskInspection.State.EXITED);
        assertThat(driver.inspect(h).exit().exitCode()).isEqualTo(3);
        driver.stop(h, "TERM", Duration.ofSeconds(1)); // idempotent after exit
        assertThat(driver.await(h).get()).isEqualTo(exit);
    }

    @Test
    void envReachesProcessOnHostNetwork() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TaskHandle h = start(config("web", List.of("sh", "-c",
                        "echo \"$GANTRY_PORT_HTTP $GREETING\" > /www/env.txt; exec httpd -f -p 127.0.0.1:$GANTRY_PORT_HTTP -h /www"),
                List.of("GANTRY_PORT_HTTP=" + port, "GREETING=hello world"), 0, 0, SecurityOptions.DEFAULTS, ""));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        String body = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (body == null && System.nanoTime() < deadline) {
            try {
                var resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/env.txt")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() == 200) body = resp.body();
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        assertThat(body).isEqualTo(port + " hello world\n");
        // httpd is pid 1 of its namespace: without a handler TERM is ignored, so KILL follows the grace.
        driver.stop(h, "SIGTERM", Duration.ofSeconds(1));
        assertThat(await(h).exitCode()).isIn(0, 128 + 15, 128 + 9);
    }

    @Test
    void writesKubernetesFormatLogs() throws Exception {
        TaskHandle h = start(config("logs", List.of("sh", "-c", "echo out1; echo err1 >&2; echo out2")));
        assertThat(await(h).exitCode()).isZero();
        List<LogLine> lines = LogFile.tail(logPath(h), 10);
        assertThat(lines).extracting(LogLine::stream, LogLine::text).contains(
                org.assertj.core.groups.Tuple.tuple(Stream.STDOUT, "out1"),
                org.assertj.core.groups.Tuple.tuple(Stream.STDERR, "err1"),
                org.assertj.core.groups.Tuple.tuple(Stream.STDOUT, "out2"));
        assertThat(Files.readAllLines(logPath(h)).get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\S+ std(out|err) F .*");
    }

    @Test
    void stopWithinGraceWhenTermIsHandled() throws Exception {
        TaskHandle h = start(config("trap", List.of("sh", "-c",
                "trap 'echo bye; exit 0' TERM; echo ready; while true; do sleep 0.1; done")));
        waitForLog(h, "ready");
        long t0 = System.nanoTime();
        driver.stop(h, "TERM", Duration.ofSeconds(10));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("{}: stop of a TERM-handling task took {} ms", driver.name(), ms);
        assertThat(ms).isLessThan(5000);
        assertThat(await(h).exitCode()).isZero();
        waitForLog(h, "bye");
    }

    @Test
    void killedAfterGraceWhenTermIsIgnored() throws Exception {
        TaskHandle h = start(config("ignore", List.of("sh", "-c",
                "trap '' TERM; echo ready; while true; do sleep 0.1; done")));
        waitForLog(h, "ready");
        long t0 = System.nanoTime();
        driver.stop(h, "TERM", Duration.ofSeconds(1));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isBetween(1000L, 4000L);
        ExitResult exit = await(h);
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.oomKilled()).isFalse();
        assertThat(exit.message()).contains("signal 9");
    }

    @Test
    void oomKillIsReported() throws Exception {
        TaskHandle h = start(config("oom", List.of("sh", "-c", "head -c 200m /dev/zero | tail"), List.of(),
                16L << 20, 0, SecurityOptions.DEFAULTS, ""));
        ExitResult exit = await(h);
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.oomKilled()).isTrue();
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.message()).contains("OOM");
    }

    @Test
    void defaultCapabilitiesNoNewPrivsAndSeccomp() throws Exception {
        Map<String, String> st = procStatus(SecurityOptions.DEFAULTS, "");
        assertThat(Long.parseLong(st.get("CapEff"), 16)).isEqualTo(Capability.mask(OciSpec.DEFAULT_CAPABILITIES));
        assertThat(Long.parseLong(st.get("CapBnd"), 16)).isEqualTo(Capability.mask(OciSpec.DEFAULT_CAPABILITIES));
        assertThat(st.get("NoNewPrivs")).isEqualTo("1");
        assertThat(st.get("Seccomp")).isEqualTo("2");
    }

    @Test
    void optOutsChangeCapabilitiesNoNewPrivsAndSeccomp() throws Exception {
        var sec = new SecurityOptions(false, List.of("NET_RAW"), List.of("KILL"), true, true);
        Map<String, String> st = procStatus(sec, "");
        var expected = EnumSet.copyOf(OciSpec.DEFAULT_CAPABILITIES);
        expected.add(Capability.NET_RAW);
        expected.remove(Capability.KILL);
        assertThat(Long.parseLong(st.get("CapEff"), 16)).isEqualTo(Capability.mask(expected));
        assertThat(st.get("NoNewPrivs")).isEqualTo("0");
        assertThat(st.get("Seccomp")).isEqualTo("0");
    }

    @Test
    void runsAsTheGivenUser() throws Exception {
        Map<String, String> st = procStatus(SecurityOptions.DEFAULTS, "app");
        assertThat(st.get("Uid")).startsWith("1000");
        assertThat(st.get("Gid")).startsWith("1000");
    }

    @Test
    void seccompBlocksUnshareEvenWithSysAdmin() throws Exception {
        var confined = new SecurityOptions(false, List.of("SYS_ADMIN"), List.of(), false, false);
        TaskHandle a = start(config("seccomp", List.of("unshare", "-m", "true"), List.of(), 0, 0, confined, ""));
        assertThat(await(a).exitCode()).isNotZero();
        var unconfined = new SecurityOptions(false, List.of("SYS_ADMIN"), List.of(), false, true);
        TaskHandle b = start(config("unconfined", List.of("unshare", "-m", "true"), List.of(), 0, 0, unconfined, ""));
        assertThat(await(b).exitCode()).isZero();
    }

    @Test
    void readOnlyRootfsRefusesWrites() throws Exception {
        var ro = new SecurityOptions(true, List.of(), List.of(), false, false);
        TaskHandle h = start(config("ro", List.of("sh", "-c", "echo x > /f"), List.of(), 0, 0, ro, ""));
        assertThat(await(h).exitCode()).isNotZero();
        assertThat(LogFile.tail(logPath(h), 10)).extracting(LogLine::text).anyMatch(t -> t.contains("Read-only file system"));
        TaskHandle rw = start(config("rw", List.of("sh", "-c", "echo x > /f")));
        assertThat(await(rw).exitCode()).isZero();
    }

    @Test
    void destroyRemovesTheContainerAndIsIdempotent() throws Exception {
        TaskHandle h = start(config("destroy", List.of("sleep", "60"), List.of(), 32L << 20, 100, SecurityOptions.DEFAULTS, ""));
        if (driver instanceof ContainerInventory inventory) assertThat(inventory.containerIds()).contains(h.containerId());
        driver.destroy(h);
        assertGone(h.containerId());
        driver.destroy(h);
        assertThat(driver.recover(h)).isFalse();
        assertThat(driver.inspect(h).state()).isEqualTo(TaskInspection.State.UNKNOWN);
        assertThatThrownBy(() -> driver.await(h).get()).hasCauseInstanceOf(DriverException.class);
        if (driver instanceof ContainerInventory inventory) assertThat(inventory.containerIds()).doesNotContain(h.containerId());
    }

    @Test
    void recoversRunningTaskInNewDriverInstance() throws Exception {
        TaskHandle h = start(config("recover", List.of("sh", "-c",
                "trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done")));
        waitForLog(h, "ready");
        release(driver); // the "agent" goes away; the container keeps running

        TaskDriver second = newDriver();
        assertThat(second.recover(h)).isTrue();
        assertThat(second.inspect(h).state()).isEqualTo(TaskInspection.State.RUNNING);
        var exit = second.await(h);
        assertThat(exit).isNotDone();
        second.stop(h, "TERM", Duration.ofSeconds(10));
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode()).isEqualTo(7);

        TaskDriver third = newDriver();
        assertThat(third.recover(h)).isTrue(); // exited, but its exit is recorded
        assertThat(third.await(h).get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode()).isEqualTo(7);
        assertThat(third.recover(new TaskHandle(third.name(), "never-started", Map.of()))).isFalse();
    }

    @Test
    void startsManyConcurrently() throws Exception {
        int n = 10;
        var pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<TaskHandle>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                TaskConfig cfg = config("many" + i, List.of("sh", "-c", "exit " + i));
                futures.add(pool.submit(() -> start(cfg)));
            }
            List<TaskHandle> hs = new ArrayList<>();
            for (var f : futures) hs.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            LOG.info("{}: {} concurrent starts took {} ms", driver.name(), n, (System.nanoTime() - t0) / 1_000_000);
            for (int i = 0; i < n; i++) assertThat(await(hs.get(i)).exitCode()).isEqualTo(i);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void missingCommandFailsClearlyAndCleansUp() throws Exception {
        TaskConfig cfg = config("nosuch", List.of("/bin/nosuch"));
        assertThatThrownBy(() -> start(cfg))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("/bin/nosuch");
        assertGone(cfg.containerId());
    }

    @Test
    void execRunsInTheRunningContainer() throws Exception {
        TaskHandle h = start(config("exec", List.of("sh", "-c", "echo ready; while true; do sleep 0.1; done"),
                List.of("GREETING=hi there"), 0, 0, SecurityOptions.DEFAULTS, ""));
        waitForLog(h, "ready");
        ExecResult r = driver.exec(h, List.of("sh", "-c", "echo \"$GREETING\"; cat /www/index.html; echo oops >&2; exit 3"),
                Duration.ofSeconds(10));
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.timedOut()).isFalse();
        assertThat(r.output()).contains("hi there\n", "hello from gantry\n", "oops\n");
        assertThat(driver.exec(h, List.of("true"), Duration.ofSeconds(10)).succeeded()).isTrue();

        ExecResult big = driver.exec(h, List.of("head", "-c", "200000", "/dev/zero"), Duration.ofSeconds(10));
        assertThat(big.exitCode()).isZero();
        assertThat(big.truncated()).isTrue();
        assertThat(big.output()).hasSize(ExecResult.OUTPUT_LIMIT);

        assertThat(driver.exec(h, List.of("/bin/nosuch"), Duration.ofSeconds(10)).exitCode()).isEqualTo(127);

        long t0 = System.nanoTime();
        ExecResult slow = driver.exec(h, List.of("sleep", "29.9"), Duration.ofMillis(300));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(slow.timedOut()).isTrue();
        assertThat(slow.succeeded()).isFalse();
        assertThat(ms).isLessThan(5000);
        assertThat(ProcessHandle.allProcesses().map(ph -> ph.info().arguments()).flatMap(Optional::stream)
                .filter(a -> List.of(a).contains("29.9"))).as("the timed-out command is killed").isEmpty();

        driver.stop(h, "KILL", Duration.ofSeconds(1));
        assertThatThrownBy(() -> driver.exec(h, List.of("true"), Duration.ofSeconds(10)))
                .isInstanceOf(DriverException.class).hasMessageContaining("not running");
    }

    @Test
    void execProbeChecksTheRealContainer() throws Exception {
        TaskHandle h = start(config("probe", List.of("sh", "-c", "echo ready; while true; do sleep 0.1; done")));
        waitForLog(h, "ready");
        ExecProbe ready = new ExecProbe((cmd, t) -> driver.exec(h, cmd, t), List.of("cat", "/tmp/ready"));
        ProbeResult before = ready.probe(Duration.ofSeconds(5));
        assertThat(before.ok()).isFalse();
        assertThat(before.detail()).startsWith("`cat /tmp/ready` exited with 1").contains("No such file");
        assertThat(driver.exec(h, List.of("touch", "/tmp/ready"), Duration.ofSeconds(5)).succeeded()).isTrue();
        assertThat(ready.probe(Duration.ofSeconds(5)).ok()).isTrue();
        ProbeResult slow = new ExecProbe((cmd, t) -> driver.exec(h, cmd, t), List.of("sleep", "5")).probe(Duration.ofMillis(200));
        assertThat(slow.ok()).isFalse();
        assertThat(slow.detail()).contains("did not finish within 200ms");
    }

    // --- helpers -------------------------------------------------------------------------

    protected TaskConfig config(String name, List<String> args) {
        return config(name, args, List.of(), 0, 0, SecurityOptions.DEFAULTS, "");
    }

    protected TaskConfig config(String name, List<String> args, List<String> env, long memory, long cpuMillis,
                                SecurityOptions sec, String user) {
        String id = "it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
        return TaskConfig.builder().containerId(id).allocationId("alloc-" + id).taskName(name).image(image()).layers(layers())
                .args(args).env(env).workingDir("/").user(user).cpuMillis(cpuMillis).memoryBytes(memory).security(sec)
                .logPath(logDir().resolve(id + ".log")).build();
    }

    protected TaskHandle start(TaskConfig cfg) throws DriverException {
        started.add(cfg.containerId());
        return driver.start(cfg);
    }

    protected ExitResult await(TaskHandle h) throws Exception {
        return driver.await(h).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    protected static Path logPath(TaskHandle h) {
        return Path.of(h.state().get("logPath"));
    }

    protected void waitForLog(TaskHandle h, String text) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(logPath(h)) && LogFile.tail(logPath(h), 100).stream().anyMatch(l -> l.text().equals(text))) return;
            Thread.sleep(20);
        }
        throw new AssertionError("no log line '" + text + "' in " + (Files.exists(logPath(h)) ? Files.readString(logPath(h)) : "(no file)"));
    }

    /** Runs grep on the container's own /proc/self/status and returns its fields. */
    protected Map<String, String> procStatus(SecurityOptions sec, String user) throws Exception {
        TaskHandle h = start(config("caps", List.of("grep", "-E", "^(Uid|Gid|Cap[A-Za-z]+|NoNewPrivs|Seccomp):",
                "/proc/self/status"), List.of(), 0, 0, sec, user));
        assertThat(await(h).exitCode()).isZero();
        Map<String, String> fields = new HashMap<>();
        for (LogLine l : LogFile.tail(logPath(h), 50)) {
            String[] kv = l.text().split(":\\s*", 2);
            if (kv.length == 2) fields.put(kv[0], kv[1].trim());
        }
        return fields;
    }
}
