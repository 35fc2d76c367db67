package dev.gantry.agent.driver.runc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.TaskConfig.SecurityOptions;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskDriverContract;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.driver.TestImage;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.sys.Mounts;
import dev.gantry.testing.RuntimeRequirements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver contract with real runc + conmon containers on this host (root, cgroup v1), plus what
 * only runc has: conmon, overlay mounts, cgroup files, ambient capabilities of non-root users.
 */
class RuncDriverIT extends TaskDriverContract {
    private static final Logger LOG = LoggerFactory.getLogger(RuncDriverIT.class);
    private static Path work;
    private static Image image;

    private Path root;

    @BeforeAll
    static void buildImage() throws Exception {
        RuntimeRequirements.requireRuncHost();
        work = Files.createTempDirectory("gantry-runc-it");
        image = new ImageStore(work.resolve("images")).ensure("file:" + TestImage.archive(work.resolve("image")));
    }

    @AfterAll
    static void removeImage() throws IOException {
        if (work == null) return;
        try (var s = Files.lines(Path.of("/proc/self/mountinfo"))) {
            if (s.anyMatch(l -> l.contains(work.toString()))) throw new IllegalStateException("mounts left under " + work);
        }
        try (var paths = Files.walk(work)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    protected void prepare() throws IOException {
        root = Files.createTempDirectory(work, "state");
    }

    @Override
    protected TaskDriver createDriver() {
        return new RuncDriver(root);
    }

    @Override
    protected void release(TaskDriver d) {
        ((RuncDriver) d).close();
    }

    @Override
    protected String image() {
        return image.manifestDigest();
    }

    @Override
    protected List<Path> layers() {
        return image.layers();
    }

    @Override
    protected Path logDir() {
        return root.resolve("logs");
    }

    @Override
    protected void assertGone(String id) throws IOException, DriverException {
        Path dir = root.resolve("containers").resolve(id);
        assertThat(dir).doesNotExist();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(dir.toString());
        assertThat(runc().cgroups().exists("/gantry/" + id)).as("cgroup of " + id).isFalse();
        var r = new RuncCli(RuncDriver.locate("runc", RuncDriver.DEFAULT_RUNC), RuncDriver.DEFAULT_CONMON, root.resolve("runc"))
                .runcResult("state", id);
        assertThat(r.exitCode()).as("runc state of a destroyed container").isNotZero();
    }

    private RuncDriver runc() {
        return (RuncDriver) driver;
    }

    // --- runc only -----------------------------------------------------------------------

    @Test
    void fingerprintReportsVersions() throws DriverException {
        Map<String, String> attrs = driver.fingerprint();
        assertThat(attrs.get("driver.runc.version")).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(attrs.get("driver.conmon.version")).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(attrs).containsEntry("driver.runc.cgroups", "v1");
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
        assertThat(runc().cgroups().memoryLimit("/gantry/" + id)).hasValue(64L << 20);
        assertThat(runc().cgroups().cpuQuotaMicros("/gantry/" + id)).hasValue(50_000);
        driver.stop(h, "KILL", Duration.ofSeconds(1));
        assertThat(await(h).exitCode()).isEqualTo(137);
    }

    @Test
    void nonRootUserKeepsOnlyAddedCapabilities() throws Exception {
        var sec = new SecurityOptions(false, List.of("NET_BIND_SERVICE"), List.of(), false, false);
        Map<String, String> st = procStatus(sec, "app");
        assertThat(st.get("Uid")).startsWith("1000");
        assertThat(Long.parseLong(st.get("CapEff"), 16)).isEqualTo(1L << Capability.NET_BIND_SERVICE.bit());
    }

    @Test
    void destroyUnmountsRemovesTheCgroupAndStopsConmon() throws Exception {
        TaskHandle h = start(config("destroy", List.of("sleep", "60"), List.of(), 32L << 20, 100, SecurityOptions.DEFAULTS, ""));
        assertThat(h.state()).containsKeys("dir", "runcRoot", "initPid", "conmonPid", "cgroupPath", "logPath");
        Path rootfs = Path.of(h.state().get("dir")).resolve("bundle/rootfs");
        assertThat(Mounts.isMountPoint(rootfs)).isTrue();
        assertThat(runc().cgroups().exists("/gantry/" + h.containerId())).isTrue();
        long conmonPid = Long.parseLong(h.state().get("conmonPid"));

        driver.destroy(h);
        assertGone(h.containerId());
        assertThat(Mounts.isMountPoint(rootfs)).isFalse();
        assertThat(RuncDriver.isConmon(conmonPid)).as("conmon still running").isFalse();
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
}
