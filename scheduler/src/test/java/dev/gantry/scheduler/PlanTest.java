package dev.gantry.scheduler;

import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.PlanResponse;
import dev.gantry.api.v1.PlannedPlacement;
import dev.gantry.api.v1.PlannedStop;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.store.RangeResult;
import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** `gantry plan`'s RPC: the dry run of Submit, over real gRPC on the in-memory store. */
class PlanTest {
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

    private static Job web(int count, String image) {
        return Job.newBuilder().setName("web").setCount(count)
                .addTasks(Task.newBuilder().setName("web").setImage(image)
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20))
                        .addPorts(Port.newBuilder().setName("http")))
                .build();
    }

    private PlanResponse plan(Job job) {
        return jobs.plan(SubmitJobRequest.newBuilder().setJob(job).build());
    }

    /** Every key with its mod revision, and the store revision: any write changes it. */
    private List<String> everything() throws Exception {
        RangeResult r = store.range("/gantry/").get();
        return java.util.stream.Stream.concat(java.util.stream.Stream.of("revision " + r.revision()),
                r.kvs().stream().map((KeyValue kv) -> kv.key() + "@" + kv.modRevision())).toList();
    }

    @Test
    void aNewJobListsWhereEachReplicaWouldGoAndWritesNothing() throws Exception {
        new ScriptedAgent(channel, "n1", "127.0.0.1", 4096);
        new ScriptedAgent(channel, "n2", "127.0.0.1", 4096);
        eventually(() -> plan(web(2, "file:/web.tar")).getPlacementsCount() == 2
                && plan(web(2, "file:/web.tar")).getPlacementsList().stream().map(PlannedPlacement::getNodeId).distinct().count() == 2);

        List<String> before = everything();
        PlanResponse p = plan(web(2, "file:/web.tar"));
        assertThat(everything()).isEqualTo(before);

        assertThat(p.getChanged()).isTrue();
        assertThat(p.getJob().getVersion()).isEqualTo(1);
        assertThat(p.getStopsList()).isEmpty();
        assertThat(p.getUnplaced()).isZero();
        assertThat(p.getPlacementsList()).extracting(PlannedPlacement::getIndex).containsExactly(0, 1);
        // Anti-affinity spreads the two replicas; each keeps its node's name, a port and its scores.
        assertThat(p.getPlacementsList()).extracting(PlannedPlacement::getNodeName).containsExactlyInAnyOrder("n1", "n2");
        assertThat(p.getPlacements(0).getPortsList()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getValue()).isPositive();
        });
        assertThat(p.getPlacements(0).getScoresMap()).isNotEmpty();
        assertThat(store.range("/gantry/jobs/").get().kvs()).isEmpty();
    }

    @Test
    void anImageChangeStopsTheOldReplicasAndPlacesNewOnes() throws Exception {
        ScriptedAgent a = new ScriptedAgent(channel, "n1", "127.0.0.1", 4096);
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(2, "file:/web.tar")).build());
        eventually(() -> a.latest().size() == 2);
        List<String> old = a.latest().stream().map(x -> x.getAllocation().getId()).toList();

        // The same spec again: nothing would change, nothing would stop or be placed.
        PlanResponse same = plan(web(2, "file:/web.tar"));
        assertThat(same.getChanged()).isFalse();
        assertThat(same.getJob().getVersion()).isEqualTo(1);
        assertThat(same.getStopsList()).isEmpty();
        assertThat(same.getPlacementsList()).isEmpty();

        List<String> before = everything();
        // Replace everything at once: no surge, all may be unavailable.
        PlanResponse p = plan(web(2, "file:/web2.tar").toBuilder().setUpdate(
                dev.gantry.api.v1.UpdateStrategy.newBuilder().setMaxSurge("0").setMaxUnavailable("100%")).build());
        assertThat(everything()).isEqualTo(before);
        assertThat(p.getChanged()).isTrue();
        assertThat(p.getJob().getVersion()).isEqualTo(2);
        assertThat(p.getStopsList()).extracting(PlannedStop::getAllocationId).containsExactlyInAnyOrderElementsOf(old);
        assertThat(p.getStopsList()).extracting(PlannedStop::getReason).containsOnly("replaced by version 2");
        assertThat(p.getStopsList()).extracting(PlannedStop::getNodeId).containsOnly("n1");
        assertThat(p.getPlacementsList()).extracting(PlannedPlacement::getIndex).containsExactly(0, 1);
        assertThat(p.getPlacementsList()).extracting(PlannedPlacement::getNodeName).containsOnly("n1");
        assertThat(p.getUnplaced()).isZero();
    }

    @Test
    void aClusterTooSmallReportsUnplacedReplicasWithTheReason() throws Exception {
        new ScriptedAgent(channel, "small", "127.0.0.1", 32);
        eventually(() -> plan(web(1, "file:/web.tar")).getPlacementFailure().startsWith("1 node evaluated"));
        PlanResponse p = plan(web(2, "file:/web.tar"));
        assertThat(p.getPlacementsList()).isEmpty();
        assertThat(p.getUnplaced()).isEqualTo(2);
        assertThat(p.getPlacementFailure()).isEqualTo("1 node evaluated: 1 insufficient memory");
        assertThat(store.range("/gantry/jobs/").get().kvs()).isEmpty();
    }

    @Test
    void anInvalidSpecIsRejectedWithEveryProblem() {
        Job bad = Job.newBuilder().setName("Bad_Name").setCount(-1).addTasks(Task.newBuilder().setName("t")).build();
        assertThatThrownBy(() -> plan(bad)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("name:", "count:", "tasks[0].image:");
        });
    }
}
