package dev.gantry.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.TaskConfig.SecurityOptions;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskDriverContract;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.driver.TestImage;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.image.LocalRegistry;
import dev.gantry.agent.image.RegistryClient;
import dev.gantry.agent.image.RegistryCredentials;
import dev.gantry.agent.image.RegistryPush;
import dev.gantry.agent.image.LayerTar;
import dev.gantry.agent.image.OciImageWriter;
import dev.gantry.agent.logs.LogFile;
import dev.gantry.agent.logs.LogLine;
import dev.gantry.testing.RuntimeRequirements;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The driver contract against a real Docker Engine (deploy/scripts/start-dockerd.sh), with the
 * busybox test image loaded from the same archive the runc tests use; plus what only the docker
 * driver has: engine images, labels and scopes, log copying across an agent restart.
 */
class DockerDriverIT extends TaskDriverContract {
    private static final List<String> LOADED = new ArrayList<>();
    private static Path work;
    private static ImageStore store;
    private static Engine engine;
    private static Image image;

    private String scope;
    private Path logs;

    @BeforeAll
    static void loadImage() throws Exception {
        RuntimeRequirements.requireDockerEngine();
        work = Files.createTempDirectory("gantry-docker-it");
        store = new ImageStore(work.resolve("images"));
        engine = Engine.connect(RuntimeRequirements.dockerHost());
        try (DockerDriver d = new DockerDriver(RuntimeRequirements.dockerHost(), "it-setup", store)) {
            image = d.image("file:" + TestImage.archive(work.resolve("image")));
        }
        LOADED.add(image.manifestDigest());
    }

    @AfterAll
    static void removeImages() throws IOException {
        if (engine != null) {
            for (String id : LOADED) {
                try {
                    engine.requests().removeImageCmd(id).withForce(true).exec();
                } catch (NotFoundException e) {
                    // never loaded
                }
            }
            engine.close();
        }
        if (work == null) return;
        try (var paths = Files.walk(work)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    protected void prepare() throws IOException {
        scope = "it-" + UUID.randomUUID();
        logs = Files.createTempDirectory(work, "logs");
    }

    @Override
    protected TaskDriver createDriver() {
        return new DockerDriver(RuntimeRequirements.dockerHost(), scope, store);
    }

    @Override
    protected void release(TaskDriver d) {
        ((DockerDriver) d).close();
    }

    @Override
    protected String image() {
        return image.manifestDigest();
    }

    @Override
    protected List<Path> layers() {
        return List.of();
    }

    @Override
    protected Path logDir() {
        return logs;
    }

    @Override
    protected void assertGone(String id) {
        assertThatThrownBy(() -> engine.requests().inspectContainerCmd(ContainerSpec.name(id)).exec())
                .as("container " + id).isInstanceOf(NotFoundException.class);
    }

    // --- docker only ---------------------------------------------------------------------

    @Test
    void fingerprintReportsTheEngine() throws DriverException {
        Map<String, String> attrs = driver.fingerprint();
        assertThat(attrs).containsEntry("driver.docker", "1");
        assertThat(attrs.get("driver.docker.version")).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(attrs.get("driver.docker.api_version")).matches("1\\.\\d+");
    }

    @Test
    void anUnreachableEngineIsADriverException() {
        try (DockerDriver nowhere = new DockerDriver(URI.create("unix:///nonexistent/docker.sock"), scope, store)) {
            assertThatThrownBy(nowhere::fingerprint).isInstanceOf(DriverException.class)
                    .hasMessageContaining("not reachable").hasMessageContaining("/nonexistent/docker.sock");
        }
    }

    @Test
    void limitsLabelsAndHostNetworkAreApplied() throws Exception {
        TaskHandle h = start(config("limits", List.of("sleep", "30"), List.of(), 64L << 20, 500, SecurityOptions.DEFAULTS, ""));
        InspectContainerResponse c = engine.requests().inspectContainerCmd(h.state().get("dockerId")).exec();
        assertThat(c.getName()).isEqualTo("/gantry-" + h.containerId());
        assertThat(c.getConfig().getLabels()).containsEntry(ContainerSpec.LABEL_SCOPE, scope)
                .containsEntry(ContainerSpec.LABEL_CONTAINER, h.containerId())
                .containsEntry(ContainerSpec.LABEL_ALLOC, "alloc-" + h.containerId())
                .containsEntry(ContainerSpec.LABEL_TASK, "limits");
        assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("host");
        String id = c.getId();
        Path mem = Path.of("/sys/fs/cgroup/memory/docker", id);
        assertThat(Files.readString(mem.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(64L << 20));
        assertThat(Files.readString(mem.resolve("memory.memsw.limit_in_bytes")).trim()).isEqualTo(Long.toString(64L << 20));
        Path cpu = Path.of("/sys/fs/cgroup/cpu/docker", id);
        assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("50000");
        assertThat(Files.readString(cpu.resolve("cpu.shares")).trim()).isEqualTo("512");
        assertThat(Files.readString(Path.of("/sys/fs/cgroup/pids/docker", id, "pids.max")).trim()).isEqualTo("4096");
        driver.stop(h, "KILL", Duration.ofSeconds(1));
        assertThat(await(h).exitCode()).isEqualTo(137);
    }

    @Test
    void inventoryAndDestroyStayWithinTheDriversScope() throws Exception {
        TaskHandle h = start(config("scoped", List.of("sleep", "30")));
        try (DockerDriver other = new DockerDriver(RuntimeRequirements.dockerHost(), "it-other-" + UUID.randomUUID(), store)) {
            assertThat(other.containerIds()).doesNotContain(h.containerId());
            assertThatThrownBy(() -> other.destroy(new TaskHandle("docker", h.containerId(), Map.of())))
                    .isInstanceOf(DriverException.class).hasMessageContaining("belongs to another agent");
        }
        assertThat(((DockerDriver) driver).containerIds()).containsExactly(h.containerId());
        driver.destroy(new TaskHandle("docker", h.containerId(), Map.of())); // by name, as orphan cleanup does
        assertGone(h.containerId());
    }

    @Test
    void imagesComeFromArchivesOrTheEngineWhenNotPulledByTheAgent() throws Exception {
        DockerDriver d = (DockerDriver) driver;
        Image again = d.image("file:" + work.resolve("image/busybox.tar"));
        assertThat(again.manifestDigest()).isEqualTo(image.manifestDigest());
        assertThat(again.layers()).isEmpty();
        assertThat(again.config().cmd()).containsExactly("sh");

        Path save = work.resolve("docker-save-" + UUID.randomUUID() + ".tar");
        var written = new OciImageWriter().layer(LayerTar.fromDirectory(work.resolve("image/layer0")))
                .entrypoint("/bin/sh", "-c").cmd("echo from-docker-save").env("MODE=save").refName("it/save:1")
                .writeDockerSave(save, false);
        Image loaded = d.image(save.toString());
        LOADED.add(loaded.manifestDigest());
        assertThat(loaded.manifestDigest()).isEqualTo(written.configDigest());
        assertThat(loaded.config().entrypoint()).containsExactly("/bin/sh", "-c");
        assertThat(loaded.config().env()).contains("MODE=save");
        assertThat(d.image(loaded.manifestDigest()).manifestDigest()).isEqualTo(loaded.manifestDigest()); // by engine id

        assertThatThrownBy(() -> d.image("gantry.invalid/not-here:1")).isInstanceOf(DriverException.class)
                .hasMessageContaining("is not in the Docker Engine");
        assertThat(d.existing("gantry.invalid/not-here:1")).isEmpty();
        assertThatThrownBy(() -> d.image("/nonexistent/image.tar")).isInstanceOf(DriverException.class)
                .hasMessageContaining("/nonexistent/image.tar");
    }

    @Test
    void aRegistryImagePulledByTheAgentsStoreIsLoadedOnceAndRuns() throws Exception {
        try (LocalRegistry registry = LocalRegistry.start(work.resolve("registry-" + UUID.randomUUID()))) {
            Path layout = work.resolve("layout-" + UUID.randomUUID());
            new OciImageWriter().layer(LayerTar.fromDirectory(work.resolve("image/layer0"))).gzip(true)
                    .entrypoint("/bin/sh", "-c").cmd("echo pulled-from-registry").env("MODE=pulled").refName("1").writeLayout(layout);
            new RegistryPush(registry.base(), "it/pulled", null).push(layout, "1", "1");
            String ref = registry.host() + "/it/pulled:1";
            // As in the agent: the driver loads from the same store that pulls.
            ImageStore pulling = new ImageStore(work.resolve("pull-store-" + UUID.randomUUID()),
                    new RegistryClient(RegistryCredentials.none(), Set.of(registry.host())));
            try (DockerDriver d = new DockerDriver(RuntimeRequirements.dockerHost(), scope, pulling)) {
                assertThat(d.existing(ref)).as("the engine has not got it").isEmpty();
                Image pulled = pulling.ensure(ref);
                Image loaded = d.load(pulled);
                LOADED.add(loaded.manifestDigest());
                assertThat(loaded.manifestDigest()).isEqualTo(pulling.configDigestOf(pulled));
                assertThat(loaded.config().env()).contains("MODE=pulled");
                assertThat(d.load(pulled).manifestDigest()).as("loaded once, then found").isEqualTo(loaded.manifestDigest());

                String id = "it-pulled-" + UUID.randomUUID().toString().substring(0, 8);
                TaskHandle h = d.start(dev.gantry.agent.driver.TaskConfig.builder().containerId(id).allocationId("alloc-" + id)
                        .taskName("pulled").image(loaded.manifestDigest()).args(List.of("/bin/sh", "-c", "echo pulled-from-registry"))
                        .workingDir("/").security(SecurityOptions.DEFAULTS).logPath(logDir().resolve(id + ".log")).build());
                try {
                    assertThat(d.await(h).get(60, java.util.concurrent.TimeUnit.SECONDS).exitCode()).isZero();
                    waitForLog(h, "pulled-from-registry");
                } finally {
                    d.destroy(h);
                }
            }
        }
    }

    @Test
    void logsAreCopiedOnceAcrossAnAgentRestart() throws Exception {
        String words = String.join(" ", IntStream.rangeClosed(1, 40).mapToObj(i -> "line" + i).toList());
        TaskHandle h = start(config("relog", List.of("sh", "-c", "for w in " + words + "; do echo $w; sleep 0.02; done")));
        waitForLog(h, "line3");
        release(driver); // the agent goes away while the task keeps writing
        Thread.sleep(300);
        TaskDriver second = newDriver();
        assertThat(second.recover(h)).isTrue();
        assertThat(second.await(h).get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).exitCode()).isZero();
        List<String> lines = LogFile.tail(logPath(h), 1000).stream().map(LogLine::text).toList();
        assertThat(lines).containsExactlyElementsOf(IntStream.rangeClosed(1, 40).mapToObj(i -> "line" + i).toList());
    }
}
