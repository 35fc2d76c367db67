package dev.gantry.scheduler;

import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.JobStatusView;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.StopJobRequest;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.SubmitJobResponse;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scheduler over real gRPC on loopback, on the in-memory store, with a scripted agent. */
class SchedulerServerTest {
    private InProcessScheduler cluster;
    private MemoryStore store;
    private SchedulerServer server;
    private ManagedChannel channel;
    private JobServiceGrpc.JobServiceBlockingStub jobs;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessScheduler.start();
        store = cluster.store();
        server = cluster.server();
        channel = cluster.channel();
        jobs = cluster.jobs();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static Job web(int count) {
        return Job.newBuilder().setName("web").setCount(count)
                .addTasks(Task.newBuilder().setName("web").setImage("file:/web.tar")
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20))
                        .addPorts(Port.newBuilder().setName("http")))
                .build();
    }

    private JobStatusView status() {
        return jobs.get(GetJobRequest.newBuilder().setNamespace("default").setName("web").build());
    }

    @Test
    void placesReplicasAcrossAgentsAndCountsThemRunning() throws Exception {
        ScriptedAgent a1 = new ScriptedAgent(channel, "n1", "127.0.0.1", 4096);
        ScriptedAgent a2 = new ScriptedAgent(channel, "n2", "127.0.0.1", 4096);
        eventually(() -> server.connectedAgents() == 2);

        SubmitJobResponse r = jobs.submit(SubmitJobRequest.newBuilder().setJob(web(4)).build());
        assertThat(r.getJob().getVersion()).isEqualTo(1);
        assertThat(r.getChanged()).isTrue();

        eventually(() -> a1.latest().size() == 2 && a2.latest().size() == 2);
        a1.latest().forEach(a1::reportRunning);
        a2.latest().forEach(a2::reportRunning);
        eventually(() -> status().getSummary().getRunning() == 4);
        assertThat(status().getAllocationsList()).extracting(a -> a.getIndex()).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(a1.latest().get(0).getJob().getName()).isEqualTo("web");
    }

    @Test
    void resubmittingTheSameSpecChangesNothing() {
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(1)).build());
        SubmitJobResponse again = jobs.submit(SubmitJobRequest.newBuilder().setJob(web(1)).build());
        assertThat(again.getChanged()).isFalse();
        assertThat(again.getJob().getVersion()).isEqualTo(1);
        // Every change makes a new version; a change of count alone keeps the template.
        Job scaled = jobs.submit(SubmitJobRequest.newBuilder().setJob(web(2)).build()).getJob();
        assertThat(scaled.getVersion()).isEqualTo(2);
        assertThat(scaled.getTemplateHash()).isEqualTo(again.getJob().getTemplateHash()).isNotEmpty();
        Job changed = web(2).toBuilder().setTasks(0, web(2).getTasks(0).toBuilder().putEnv("A", "b")).build();
        Job v3 = jobs.submit(SubmitJobRequest.newBuilder().setJob(changed).build()).getJob();
        assertThat(v3.getVersion()).isEqualTo(3);
        assertThat(v3.getTemplateHash()).isNotEqualTo(scaled.getTemplateHash());
    }

    @Test
    void anInvalidSpecIsRejectedWithEveryProblemAndNothingIsStored() throws Exception {
        Job bad = Job.newBuilder().setName("Bad_Name").setCount(-1).addTasks(Task.newBuilder().setName("t")).build();
        assertThatThrownBy(() -> jobs.submit(SubmitJobRequest.newBuilder().setJob(bad).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("name:", "count:", "tasks[0].image:");
                });
        assertThat(store.range("/gantry/jobs/").get().kvs()).isEmpty();
    }

    @Test
    void explainsWhyReplicasCannotBePlacedAndPlacesThemWhenANodeArrives() throws Exception {
        new ScriptedAgent(channel, "small", "127.0.0.1", 32);
        eventually(() -> server.connectedAgents() == 1);
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(1)).build());
        eventually(() -> status().getSummary().getUnplaced() == 1);
        assertThat(status().getSummary().getPlacementFailure()).isEqualTo("1 node evaluated: 1 insufficient memory");

        ScriptedAgent big = new ScriptedAgent(channel, "big", "127.0.0.1", 4096);
        eventually(() -> big.latest().size() == 1);
        eventually(() -> status().getSummary().getUnplaced() == 0);
    }

    @Test
    void stoppingAJobTellsAgentsToStopAndNothingIsReplaced() throws Exception {
        ScriptedAgent a = new ScriptedAgent(channel, "n1", "127.0.0.1", 4096);
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(2)).build());
        eventually(() -> a.latest().size() == 2);
        jobs.stop(StopJobRequest.newBuilder().setName("web").build());
        eventually(() -> a.latest().stream().allMatch(x -> x.getAllocation().getDesiredStatus() == dev.gantry.api.v1.DesiredStatus.DESIRED_STOP));
        assertThat(status().getSummary().getDesired()).isZero();
    }

    @Test
    void unknownJobsAreNotFound() {
        assertThatThrownBy(this::status).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
