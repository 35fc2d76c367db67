package dev.gantry.agent.driver.runc;

import dev.gantry.testing.RuntimeRequirements;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExitResult;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskConfig.SecurityOptions;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.driver.TaskInspection;
import dev.gantry.agent.logs.KubernetesLogFormat.Stream;
import dev.gantry.agent.logs.LogFile;
import dev.gantry.agent.logs.LogLine;
import dev.gantry.agent.sys.Mounts;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Real runc + conmon containers on this host (root, cgroup v1). Every test cleans up after itself. */
class RuncDriverIT {
    private static final Logger LOG = LoggerFactory.getLogger(RuncDriverIT.class);
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static Path work;
    private static List<Path> layers;

    private Path root;
    private RuncDriver driver;
    private final List<RuncDriver> drivers = new ArrayList<>();
    private final List<TaskHandle> handles = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeAll
    static void image() throws IOException {
        RuntimeRequirements.requireRuncHost();
        work = Files.createTempDirectory("gantry-runc-it");
        layers = TestImage.build(work.resolve("image"));
    }

    @AfterAll
    static void removeImage() throws IOException {
        if (work == null) return;
        try (var s = Files.lines(Path.of("/proc/self/mountinfo"))) {
            if (s.anyMatch(l -> l.contains(work.toString()))) throw new IllegalStateException("mounts left under " + work);
        }
        try (var paths = Files.walk(work)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @BeforeEach
    void newDriver() throws IOException {
        root = Files.createTempDirectory(work, "state");
        driver = newDriverInstance();
    }

    private RuncDriver newDriverInstance() {
        RuncDriver d = new RuncDriver(root);
        drivers.add(d);
        return d;
    }

    /** Destroys everything this test started, even when it failed, then checks nothing is left. */
    @AfterEach
    void cleanUp() throws Exception {
        RuncDriver cleaner = new RuncDriver(root);
        List<String> ids = new ArrayList<>(handles.stream().map(TaskHandle::containerId).toList());
        Path containers = root.resolve("containers");
        if (Files.isDirectory(containers)) {
            try (var s = Files.list(containers)) {
                s.map(p -> p.getFileName().toString()).filter(id -> !ids.contains(id)).forEach(ids::add);
            }
        }
        for (String id : ids) {
            try {
                cleaner.destroy(new TaskHandle("runc", id, Map.of()));
            } catch (DriverException e) {
                LOG.error("cleanup of {} failed", id, e);
            }
        }
        cleaner.close();
        drivers.forEach(RuncDriver::close);
        for (String id : ids) assertGone(id);
    }

    private void assertGone(String id) throws IOException, DriverException {
        Path dir = root.resolve("containers").resolve(id);
        assertThat(dir).doesNotExist();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(dir.toString());
        assertThat(driver.cgroups().exists("/gantry/" + id)).as("cgroup of " + id).isFalse();
        var r = new RuncCli(RuncDriver.locate("runc", RuncDriver.DEFAULT_RUNC), RuncDriver.DEFAULT_CONMON, root.resolve("runc"))
                .runcResult("state", id);
        assertThat(r.exitCode()).as("runc state of a destroyed container").isNotZero();
    }

    // --- tests ---------------------------------------------------------------------------

    @Test
    void fingerprintReportsVersions() throws DriverException {
        Map<String, String> attrs = driver.fingerprint();
        assertThat(attrs.get("driver.runc.version")).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(attrs.get("driver.conmon.version")).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(attrs).containsEntry("driver.runc.cgroups", "v1");
    }

    @Test
    void runsToExitCode() throws Exception {
        long t0 = System.nanoTime();
        TaskHandle h = start(config("exit", List.of("sh", "-c", "sleep 0.3; exit 3")));
        long startMs = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("start latency (overlay + conmon + runc create + runc start): {} ms", startMs);
        TaskInspection running = driver.inspect(h);
        assertThat(running.state()).isEqualTo(TaskInspection.State.RUNNING);
        assertThat(running.pid()).isPositive();
        assertThat(h.state()).containsKeys("dir", "runcRoot", "initPid", "conmonPid", "cgroupPath");

        ExitResult exit = await(h);
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.oomKilled()).isFalse();
        assertThat(exit.message()).contains("exited with code 3");
        assertThat(driver.inspect(h).state()).isEqualTo(TaskInspection.State.EXITED);
        assertThat(driver.inspect(h).exit()).isEqualTo(exit);
        driver.stop(h, "TERM", Duration.ofSeconds(1)); // idempotent after exit
        assertThat(driver.await(h).get()).isEqualTo(exit);
    }

    @Test
    void envReachesProcessOnHostNetwork() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TaskConfig cfg = config("web", List.of("sh", "-c",
                        "echo \"$GANTRY_PORT_HTTP $GREETING\" > /www/env.txt; exec httpd -f -p 127.0.0.1:$GANTRY_PORT_HTTP -h /www"),
                List.of("GANTRY_PORT_HTTP=" + port, "GREETING=hello world"), 0, 0, SecurityOptions.DEFAULTS, "");
        TaskHandle h = start(cfg);
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
        LOG.info("stop of a TERM-handling task took {} ms", ms);
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
        LOG.info("stop with 1s grace of a TERM-ignoring task took {} ms", ms);
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
    void cgroupLimitsAreApplied() throws Exception {
        TaskHandle h = start(config("limits", List.of("sleep", "30"), List.of(), 64L << 20, 500, SecurityOptions.DEFAULTS, ""));
        String id = h.containerId();
        Path mem = Path.of("/sys/fs/cgroup/memory/gantry", id);
        assertThat(Files.readString(mem.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(64L << 20));
        assertThat(Files.readString(mem.resolve("memory.memsw.limit_in_bytes")).trim()).isEqualTo(Long.toString(64L << 20));
        Path cpu = Path.of("/sys/fs/cgroup/cpu/gantry", id);
        assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("50000");
        assertThat(Files.readString(cpu.resolve("cpu.cfs_period_us")).trim()).isEqualTo("100000");
        assertThat(Files.readString(cpu.resolve("cpu.shares")).trim()).isEqualTo("512");
        assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids/gantry", id, "pids.max")).trim()).isEqualTo("4096");
        assertThat(driver.cgroups().memoryLimit("/gantry/" + id)).hasValue(64L << 20);
        assertThat(driver.cgroups().cpuQuotaMicros("/gantry/" + id)).hasValue(50_000);
        driver.stop(h, "KILL", Duration.ofSeconds(1));
        assertThat(await(h).exitCode()).isEqualTo(137);
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
        var expected = java.util.EnumSet.copyOf(OciSpec.DEFAULT_CAPABILITIES);
        expected.add(Capability.NET_RAW);
        expected.remove(Capability.KILL);
        assertThat(Long.parseLong(st.get("CapEff"), 16)).isEqualTo(Capability.mask(expected));
        assertThat(st.get("NoNewPrivs")).isEqualTo("0");
        assertThat(st.get("Seccomp")).isEqualTo("0");
    }

    @Test
    void nonRootUserKeepsOnlyAddedCapabilities() throws Exception {
        var sec = new SecurityOptions(false, List.of("NET_BIND_SERVICE"), List.of(), false, false);
        Map<String, String> st = procStatus(sec, "app");
        assertThat(st.get("Uid")).startsWith("1000");
        assertThat(st.get("Gid")).startsWith("1000");
        assertThat(Long.parseLong(st.get("CapEff"), 16)).isEqualTo(1L << Capability.NET_BIND_SERVICE.bit());
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
    void destroyRemovesEverythingAndIsIdempotent() throws Exception {
        TaskHandle h = start(config("destroy", List.of("sleep", "60"), List.of(), 32L << 20, 100, SecurityOptions.DEFAULTS, ""));
        Path dir = Path.of(h.state().get("dir"));
        Path rootfs = dir.resolve("bundle/rootfs");
        assertThat(Mounts.isMountPoint(rootfs)).isTrue();
        assertThat(driver.cgroups().exists("/gantry/" + h.containerId())).isTrue();
        long conmonPid = Long.parseLong(h.state().get("conmonPid"));

        driver.destroy(h);
        assertGone(h.containerId());
        assertThat(Mounts.isMountPoint(rootfs)).isFalse();
        assertThat(RuncDriver.isConmon(conmonPid)).as("conmon still running").isFalse();
        driver.destroy(h);
        assertThat(driver.recover(h)).isFalse();
        assertThat(driver.inspect(h).state()).isEqualTo(TaskInspection.State.UNKNOWN);
        assertThatThrownBy(() -> driver.await(h).get()).hasCauseInstanceOf(DriverException.class);
    }

    @Test
    void destroyCleansUpAfterConmonWasKilled() throws Exception {
        TaskHandle h = start(config("orphan", List.of("sleep", "60")));
        long conmonPid = Long.parseLong(h.state().get("conmonPid"));
        ProcessHandle.of(conmonPid).ifPresent(ProcessHandle::destroyForcibly); // a crashed shim
        var exit = driver.await(h);
        long t0 = System.nanoTime();
        driver.destroy(h);
        LOG.info("destroy without conmon took {} ms", (System.nanoTime() - t0) / 1_000_000);
        assertGone(h.containerId());
        // No exit was ever recorded: either destroy failed the future or the watcher reported the lost shim.
        assertThat(exit).isDone();
        if (!exit.isCompletedExceptionally()) assertThat(exit.get().exitCode()).isEqualTo(255);
    }

    @Test
    void recoversRunningTaskInNewDriverInstance() throws Exception {
        TaskHandle h = start(config("recover", List.of("sh", "-c",
                "trap 'exit 7' TERM; echo ready; while true; do sleep 0.1; done")));
        waitForLog(h, "ready");
        driver.close(); // the "agent" goes away; the container keeps running under conmon

        RuncDriver second = newDriverInstance();
        assertThat(second.recover(h)).isTrue();
        assertThat(second.inspect(h).state()).isEqualTo(TaskInspection.State.RUNNING);
        var exit = second.await(h);
        assertThat(exit).isNotDone();
        second.stop(h, "TERM", Duration.ofSeconds(10));
        assertThat(exit.get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode()).isEqualTo(7);

        RuncDriver third = newDriverInstance();
        assertThat(third.recover(h)).isTrue(); // exited, but its exit is recorded
        assertThat(third.await(h).get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode()).isEqualTo(7);
        assertThat(third.recover(new TaskHandle("runc", "never-started", Map.of()))).isFalse();
    }

    @Test
    void startsManyConcurrently() throws Exception {
        int n = 10;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            List<java.util.concurrent.Future<TaskHandle>> started = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                TaskConfig cfg = config("many" + i, List.of("sh", "-c", "exit " + i));
                started.add(pool.submit(() -> start(cfg)));
            }
            List<TaskHandle> hs = new ArrayList<>();
            for (var f : started) hs.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            LOG.info("{} concurrent starts took {} ms", n, (System.nanoTime() - t0) / 1_000_000);
            for (int i = 0; i < n; i++) assertThat(await(hs.get(i)).exitCode()).isEqualTo(i);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void missingCommandFailsClearlyAndCleansUp() {
        TaskConfig cfg = config("nosuch", List.of("/bin/nosuch"));
        assertThatThrownBy(() -> start(cfg))
                .isInstanceOf(DriverException.class)
                .hasMessageContaining("/bin/nosuch");
        assertThat(root.resolve("containers").resolve(cfg.containerId())).doesNotExist();
    }

    // --- helpers -------------------------------------------------------------------------

    private TaskConfig config(String name, List<String> args) {
        return config(name, args, List.of(), 0, 0, SecurityOptions.DEFAULTS, "");
    }

    private TaskConfig config(String name, List<String> args, List<String> env, long memory, long cpuMillis,
                              SecurityOptions sec, String user) {
        String id = "it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
        return new TaskConfig(id, "alloc-" + id, name, layers, args, env, "/", user, cpuMillis, memory, sec,
                root.resolve("logs").resolve(id + ".log"));
    }

    private TaskHandle start(TaskConfig cfg) throws DriverException {
        handles.add(new TaskHandle("runc", cfg.containerId(), Map.of()));
        return driver.start(cfg);
    }

    private ExitResult await(TaskHandle h) throws Exception {
        return driver.await(h).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static Path logPath(TaskHandle h) {
        return Path.of(h.state().get("logPath"));
    }

    private void waitForLog(TaskHandle h, String text) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (LogFile.tail(logPath(h), 100).stream().anyMatch(l -> l.text().equals(text))) return;
            Thread.sleep(20);
        }
        throw new AssertionError("no log line '" + text + "' in " + Files.readString(logPath(h)));
    }

    /** Runs grep on the container's own /proc/self/status and returns its fields. */
    private Map<String, String> procStatus(SecurityOptions sec, String user) throws Exception {
        TaskHandle h = start(config("caps", List.of("grep", "-E", "^(Uid|Gid|Cap[A-Za-z]+|NoNewPrivs|Seccomp):",
                "/proc/self/status"), List.of(), 0, 0, sec, user));
        assertThat(await(h).exitCode()).isZero();
        Map<String, String> fields = new java.util.HashMap<>();
        for (LogLine l : LogFile.tail(logPath(h), 50)) {
            String[] kv = l.text().split(":\\s*", 2);
            if (kv.length == 2) fields.put(kv[0], kv[1].trim());
        }
        return fields;
    }
}
