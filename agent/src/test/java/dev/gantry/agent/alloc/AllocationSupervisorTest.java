package dev.gantry.agent.alloc;

import com.google.protobuf.Duration;
import dev.gantry.agent.driver.DriverImages;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageConfig;
import dev.gantry.agent.image.ImageException;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.RestartPolicy;
import dev.gantry.api.v1.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

class AllocationSupervisorTest {
    @TempDir
    Path dir;

    private final FakeDriver driver = new FakeDriver();
    private final Map<String, AllocationUpdate> reports = new ConcurrentHashMap<>();
    private AllocationSupervisor supervisor;

    private final Job job = Job.newBuilder().setNamespace("default").setName("web").setCount(1).setVersion(1)
            .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setAttempts(1)
                    .setInterval(Duration.newBuilder().setSeconds(60)).setDelay(Duration.newBuilder().setNanos(1_000_000)))
            .addTasks(Task.newBuilder().setName("web").setImage("file:/x").addCommand("/bin/serve")
                    .setStopGrace(Duration.newBuilder().setSeconds(1)))
            .build();

    private AllocationSupervisor supervisor() {
        ImageResolver images = ref -> new Image(ref, "sha256:0", List.of(dir), new ImageConfig(List.of(), List.of(), List.of(), "/", ""));
        return new AllocationSupervisor(Map.of("runc", driver), images, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u));
    }

    @AfterEach
    void close() {
        if (supervisor != null) supervisor.close();
    }

    private static Assignment assignment(Job job, String id, DesiredStatus desired) {
        return Assignment.newBuilder().setJob(job).setAllocation(Allocation.newBuilder().setId(id).setNamespace("default")
                .setJob("web").setNodeId("n1").setDesiredStatus(desired)
                .addPorts(AllocatedPort.newBuilder().setTask("web").setName("http").setValue(20000))).build();
    }

    private ClientStatus status(String id) {
        AllocationUpdate u = reports.get(id);
        return u == null ? null : u.getClientStatus();
    }

    @Test
    void startsAnAssignedAllocationWithItsPortInTheEnvironment() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(driver.started).singleElement().satisfies(c -> {
            assertThat(c.containerId()).isEqualTo("a1-web");
            assertThat(c.env()).contains("GANTRY_PORT_HTTP=20000");
            assertThat(c.args()).containsExactly("/bin/serve");
        });
    }

    @Test
    void stopsWhatIsNoLongerListedAndReportsComplete() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        supervisor.apply(DesiredAllocations.getDefaultInstance());
        eventually(() -> status("a1") == ClientStatus.CLIENT_COMPLETE);
        assertThat(driver.stopped).containsExactly("a1-web:SIGTERM");
        assertThat(driver.destroyed).contains("a1-web");
    }

    @Test
    void restartsAFailedTaskThenGivesUpAndFailsTheAllocation() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        driver.exit("a1-web", 3);
        eventually(() -> driver.started.size() == 2 && driver.running.containsKey("a1-web") && status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(reports.get("a1").getTaskStatesMap().get("web").getRestarts()).isEqualTo(1);
        driver.exit("a1-web", 4);
        eventually(() -> status("a1") == ClientStatus.CLIENT_FAILED);
        assertThat(reports.get("a1").getTaskStatesMap().get("web").getLastExitCode()).isEqualTo(4);
        assertThat(reports.get("a1").getTaskStatesMap().get("web").getMessage()).contains("restart attempts used");
    }

    @Test
    void aRestartedAgentReAdoptsRunningContainersWithoutStartingThemAgain() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        supervisor.close();

        reports.clear();
        supervisor = supervisor();
        supervisor.recover();
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(driver.started).hasSize(1);
        driver.exit("a1-web", 0);
        eventually(() -> status("a1") == ClientStatus.CLIENT_COMPLETE);
    }

    @Test
    void aClosedSupervisorStopsWatchingItsContainersButLeavesThemRunning() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "closed1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("closed1") == ClientStatus.CLIENT_RUNNING);
        supervisor.close();
        // Its task thread ends; were it still waiting, the exit below would be restarted and reported by it.
        eventually(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("task-closed1-web")));
        assertThat(driver.running.get("closed1-web")).isNotDone();
        reports.clear();
        driver.exit("closed1-web", 3);
        assertThat(driver.started).hasSize(1);
        assertThat(driver.destroyed).isEmpty();
        assertThat(reports).isEmpty();
    }

    /** A driver with its own images, as the docker driver: it, not the agent's image store, resolves them. */
    private static final class EngineDriver extends FakeDriver implements DriverImages {
        EngineDriver() {
            super("docker");
        }

        /** References the engine has; others must be pulled by the agent and loaded. */
        final java.util.Set<String> has = new java.util.HashSet<>(List.of("app:1"));
        final List<Image> loaded = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public Image image(String reference) {
            return new Image(reference, "sha256:engine-" + reference, List.of(), new ImageConfig(List.of("/entry"), List.of(), List.of(), "", ""));
        }

        @Override
        public java.util.Optional<Image> existing(String reference) {
            return has.contains(reference) ? java.util.Optional.of(image(reference)) : java.util.Optional.empty();
        }

        @Override
        public Image load(Image pulled) {
            loaded.add(pulled);
            return image(pulled.reference());
        }
    }

    @Test
    void aDockerTaskWhoseImageTheEngineLacksIsPulledByTheAgentAndLoaded() throws Exception {
        EngineDriver docker = new EngineDriver();
        List<String> resolvedByStore = new java.util.concurrent.CopyOnWriteArrayList<>();
        ImageResolver store = ref -> {
            resolvedByStore.add(ref);
            return new Image(ref, "sha256:pulled", List.of(), new ImageConfig(List.of("/pulled"), List.of(), List.of(), "", ""));
        };
        supervisor = new AllocationSupervisor(Map.of("runc", driver, "docker", docker), store, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u));
        Job onDocker = job.toBuilder().setTasks(0, job.getTasks(0).toBuilder().setDriver("docker")
                .setImage("registry.example/app:2").clearCommand()).build();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(onDocker, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(resolvedByStore).containsExactly("registry.example/app:2");
        assertThat(docker.loaded).singleElement().satisfies(i -> assertThat(i.manifestDigest()).isEqualTo("sha256:pulled"));
        assertThat(docker.started).singleElement().satisfies(c -> assertThat(c.image()).isEqualTo("sha256:engine-registry.example/app:2"));
    }

    @Test
    void aTaskRunsOnTheDriverItNamesWithThatDriversImages() throws Exception {
        EngineDriver docker = new EngineDriver();
        ImageResolver store = ref -> {
            throw new AssertionError("the agent's image store must not resolve images of the docker driver");
        };
        supervisor = new AllocationSupervisor(Map.of("runc", driver, "docker", docker), store, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u));
        Job onDocker = job.toBuilder().setTasks(0, job.getTasks(0).toBuilder().setDriver("docker").setImage("app:1").clearCommand()).build();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(onDocker, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(driver.started).isEmpty();
        assertThat(docker.started).singleElement().satisfies(c -> {
            assertThat(c.image()).isEqualTo("sha256:engine-app:1");
            assertThat(c.layers()).isEmpty();
            assertThat(c.args()).containsExactly("/entry");
        });
    }

    @Test
    void aTaskNamingADriverThisNodeLacksFailsInsteadOfRunningElsewhere() throws Exception {
        supervisor = supervisor();
        Job onDocker = job.toBuilder().setTasks(0, job.getTasks(0).toBuilder().setDriver("docker")).build();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(onDocker, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_FAILED);
        assertThat(driver.started).isEmpty();
        assertThat(reports.get("a1").getTaskStatesMap().get("web").getMessage())
                .contains("driver docker is not available on this node (it offers runc)");
    }

    @Test
    void aStartFailureIsReportedWithTheDriversMessage() throws Exception {
        driver.failStartWith = "runc create failed: exec: \"/bin/serve\": no such file";
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_FAILED);
        assertThat(reports.get("a1").getTaskStatesMap().get("web").getMessage()).contains("could not start: runc create failed");
    }

    @Test
    void aPullShowsItsProgressAndAFailedPullFailsTheStartWithTheRegistrysReason() throws Exception {
        CountDownLatch pulling = new CountDownLatch(1);
        List<String> policies = new java.util.concurrent.CopyOnWriteArrayList<>();
        ImageResolver registry = new ImageResolver() {
            @Override
            public Image resolve(String reference) {
                throw new AssertionError("the task's policy and progress must be passed on");
            }

            @Override
            public Image resolve(Task task, java.util.function.Consumer<String> progress) throws ImageException {
                policies.add(task.getPullPolicy());
                progress.accept("pulling reg:5000/app:1: 12.3/50.1 MB");
                try {
                    pulling.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new ImageException(ImageException.Reason.UNAUTHORIZED, "image reg:5000/app:1: unauthorized:"
                        + " registry reg:5000 requires a user name and password");
            }
        };
        supervisor = new AllocationSupervisor(Map.of("runc", driver), registry, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u));
        Job fromRegistry = job.toBuilder().setTasks(0, job.getTasks(0).toBuilder().setImage("reg:5000/app:1")
                .setPullPolicy("always")).build();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(fromRegistry, "a1", DesiredStatus.DESIRED_RUN)).build());

        eventually(() -> reports.containsKey("a1")
                && reports.get("a1").getTaskStatesMap().get("web").getMessage().equals("pulling reg:5000/app:1: 12.3/50.1 MB"));
        assertThat(status("a1")).isEqualTo(ClientStatus.CLIENT_PENDING);
        pulling.countDown();
        eventually(() -> status("a1") == ClientStatus.CLIENT_FAILED);
        assertThat(reports.get("a1").getTaskStatesMap().get("web").getMessage())
                .startsWith("could not start: image reg:5000/app:1: unauthorized: registry reg:5000 requires a user name");
        assertThat(policies).hasSize(2).containsOnly("always"); // the first start and its one restart
        assertThat(driver.started).isEmpty();
    }

    @Test
    void aReAdoptedTaskKeepsItsRestartCountAndLastExit() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        driver.exit("a1-web", 3);
        eventually(() -> driver.started.size() == 2 && status("a1") == ClientStatus.CLIENT_RUNNING
                && reports.get("a1").getTaskStatesMap().get("web").getRestarts() == 1);
        supervisor.close();

        reports.clear();
        supervisor = supervisor();
        supervisor.recover();
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        var web = reports.get("a1").getTaskStatesMap().get("web");
        assertThat(web.getRestarts()).as("recovery counts no restart and forgets none").isEqualTo(1);
        assertThat(web.getHasExit()).isTrue();
        assertThat(web.getLastExitCode()).isEqualTo(3);
        assertThat(web.getContainerId()).isEqualTo("a1-web");
        assertThat(driver.started).hasSize(2);
    }

    @Test
    void aTaskThatEndedBeforeTheAgentRestartedIsNotRunAgain() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        driver.exit("a1-web", 0);
        eventually(() -> status("a1") == ClientStatus.CLIENT_COMPLETE);
        supervisor.close();

        reports.clear();
        supervisor = supervisor();
        supervisor.recover();
        eventually(() -> status("a1") == ClientStatus.CLIENT_COMPLETE);
        assertThat(driver.started).hasSize(1);
    }

    @Test
    void removesContainersThatNoRecoveredAllocationOwns() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment(job, "a1", DesiredStatus.DESIRED_RUN)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        supervisor.close();
        // Left by a crash between creating a container and saving its handle, and by a forgotten allocation.
        driver.leftovers.addAll(List.of("a1-sidecar", "gone-web"));

        supervisor = supervisor();
        supervisor.recover();
        assertThat(supervisor.removeOrphanContainers()).containsExactlyInAnyOrder("a1-sidecar", "gone-web");
        assertThat(driver.destroyed).containsExactlyInAnyOrder("a1-sidecar", "gone-web");
        assertThat(driver.running).containsKey("a1-web");
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(supervisor.removeOrphanContainers()).as("idempotent").isEmpty();
    }
}
