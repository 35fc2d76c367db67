package dev.gantry.agent.alloc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageConfig;
import dev.gantry.agent.image.ImageException;
import dev.gantry.agent.image.RegistryCredentials;
import dev.gantry.agent.state.LocalState;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent's side of image pull secrets: which credentials a task pulls with, and that they stay in memory. */
class PullSecretsTest {
    @TempDir
    Path dir;

    private final FakeDriver driver = new FakeDriver();
    private final Map<String, AllocationUpdate> reports = new ConcurrentHashMap<>();
    private final List<String> pulledWith = new CopyOnWriteArrayList<>();
    private AllocationSupervisor supervisor;

    private static final ByteString REGCRED = ByteString.copyFromUtf8("{\"auths\": {\"reg.example:5000\": {\"auth\": \""
            + Base64.getEncoder().encodeToString("ci:hunter2".getBytes(StandardCharsets.UTF_8)) + "\"}}}");

    private final Job job = Job.newBuilder().setNamespace("default").setName("web").setCount(1).setVersion(1)
            .setRestart(RestartPolicy.newBuilder().setMode(RestartPolicy.Mode.ON_FAILURE).setAttempts(0)
                    .setInterval(Duration.newBuilder().setSeconds(60)))
            .addTasks(Task.newBuilder().setName("web").setImage("reg.example:5000/web:1").setImagePullSecret("regcred")
                    .addCommand("/bin/serve").setStopGrace(Duration.newBuilder().setSeconds(1)))
            .build();

    /** An image source that records which credentials each pull came with. */
    private final ImageResolver registry = new ImageResolver() {
        @Override
        public Image resolve(String reference) {
            throw new AssertionError("tasks must be resolved with their pull secret");
        }

        @Override
        public Image resolve(Task task, RegistryCredentials pullSecret, Consumer<String> progress) {
            pulledWith.add(String.valueOf(pullSecret));
            return new Image(task.getImage(), "sha256:0", List.of(dir), new ImageConfig(List.of(), List.of(), List.of(), "/", ""));
        }
    };

    @AfterEach
    void close() {
        if (supervisor != null) supervisor.close();
    }

    private AllocationSupervisor supervisor() {
        return new AllocationSupervisor(Map.of("runc", driver), registry, new LocalState(dir.resolve("state")),
                new NodeContext("n1", "node-1", "127.0.0.1"), Clock.systemUTC(), u -> reports.put(u.getAllocationId(), u));
    }

    private Assignment.Builder assignment(String id) {
        return Assignment.newBuilder().setJob(job).setAllocation(Allocation.newBuilder().setId(id).setNamespace("default")
                .setJob("web").setNodeId("n1").setDesiredStatus(DesiredStatus.DESIRED_RUN));
    }

    private ClientStatus status(String id) {
        AllocationUpdate u = reports.get(id);
        return u == null ? null : u.getClientStatus();
    }

    @Test
    void aTaskPullsWithTheSecretItNamesAndTheSecretNeverReachesTheDisk() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment("a1").putImagePullSecrets("regcred", REGCRED)).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_RUNNING);
        assertThat(pulledWith).containsExactly("image pull secret regcred [reg.example:5000]");

        try (Stream<Path> files = Files.walk(dir.resolve("state"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(content).as(f.toString()).doesNotContain("auths").doesNotContain(
                        Base64.getEncoder().encodeToString("ci:hunter2".getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    @Test
    void aSecretTheSchedulerDoesNotHaveFailsTheTaskSayingSo() throws Exception {
        supervisor = supervisor();
        supervisor.apply(DesiredAllocations.newBuilder().addAssignments(assignment("a1")).build());
        eventually(() -> status("a1") == ClientStatus.CLIENT_FAILED);
        assertThat(reports.get("a1").getTaskStatesMap().get("web").getMessage())
                .startsWith("could not start: image reg.example:5000/web:1: image pull secret regcred not found in"
                        + " namespace default");
        assertThat(pulledWith).isEmpty();
        assertThat(driver.started).isEmpty();
    }

    @Test
    void selectsNothingForATaskWithoutASecretOrAnAllocationNotYetSent() throws Exception {
        PullSecrets secrets = new PullSecrets();
        Allocation alloc = assignment("a1").getAllocation();
        Task plain = job.getTasks(0).toBuilder().clearImagePullSecret().build();
        assertThat(secrets.credentialsFor(alloc, job.getTasks(0))).as("re-adopted, not yet sent").isEmpty();

        secrets.update(DesiredAllocations.newBuilder().addAssignments(assignment("a1").putImagePullSecrets("regcred", REGCRED)).build());
        assertThat(secrets.credentialsFor(alloc, plain)).isEmpty();
        assertThat(secrets.credentialsFor(alloc, job.getTasks(0))).get().asString()
                .isEqualTo("image pull secret regcred [reg.example:5000]");

        // The next desired set no longer has it (the secret was deleted): the next pull says so.
        secrets.update(DesiredAllocations.newBuilder().addAssignments(assignment("a1")).build());
        assertThatThrownBy(() -> secrets.credentialsFor(alloc, job.getTasks(0)))
                .isInstanceOf(ImageException.class)
                .hasMessage("image pull secret regcred not found in namespace default (create it with"
                        + " `gantry secret put regcred -f config.json`)");
    }
}
