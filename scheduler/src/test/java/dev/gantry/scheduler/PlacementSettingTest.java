package dev.gantry.scheduler;

import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.PlanResponse;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.placement.CapacityScoring;
import dev.gantry.scheduler.placement.PlacementSettings;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.testing.ScriptedAgent;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster's placement setting ({@code gantry scheduler --placement}) reaches both the
 * evaluator and `gantry plan`: with bin-packing a second job joins the first on its node, with
 * spreading it takes the empty node. Over real gRPC on the in-memory store.
 */
class PlacementSettingTest {

    private static Job job(String name) {
        return Job.newBuilder().setName(name).setCount(1)
                .addTasks(Task.newBuilder().setName("main").setImage("file:/img.tar")
                        .setResources(Resources.newBuilder().setCpuMillis(1000).setMemoryBytes(1024L << 20)))
                .build();
    }

    /** Where job {@code b} goes, planned and then placed, once job {@code a} runs on one of two empty nodes. */
    private static List<String> placeSecondJob(SchedulerServer.Config config, String expectedScorer) throws Exception {
        MemoryStore store = new MemoryStore();
        SchedulerServer server = SchedulerServer.start(store, config);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            JobServiceGrpc.JobServiceBlockingStub jobs = JobServiceGrpc.newBlockingStub(channel);
            ScriptedAgent n1 = new ScriptedAgent(channel, "n1", "127.0.0.1", 4096);
            ScriptedAgent n2 = new ScriptedAgent(channel, "n2", "127.0.0.1", 4096);
            eventually(() -> jobs.plan(SubmitJobRequest.newBuilder().setJob(job("a")).build()).getPlacementsCount() == 1
                    && server.connectedAgents() == 2);
            jobs.submit(SubmitJobRequest.newBuilder().setJob(job("a")).build());
            eventually(() -> n1.latest().size() + n2.latest().size() == 1);
            String first = n1.latest().isEmpty() ? "n2" : "n1";

            PlanResponse plan = jobs.plan(SubmitJobRequest.newBuilder().setJob(job("b")).build());
            assertThat(plan.getPlacementsList()).singleElement()
                    .satisfies(p -> assertThat(p.getScoresMap()).containsKey(expectedScorer));
            jobs.submit(SubmitJobRequest.newBuilder().setJob(job("b")).build());
            eventually(() -> n1.latest().size() + n2.latest().size() == 2);
            String second = jobsOn(n1).contains("b") ? "n1" : "n2";
            return List.of(first, plan.getPlacements(0).getNodeId(), second);
        } finally {
            channel.shutdownNow();
            server.close();
            store.close();
        }
    }

    private static List<String> jobsOn(ScriptedAgent agent) {
        return agent.latest().stream().map(Assignment::getAllocation).map(a -> a.getJob()).toList();
    }

    @Test
    void binPackingByDefaultPutsTheSecondJobOnTheBusyNode() throws Exception {
        List<String> nodes = placeSecondJob(new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"), "binpack");
        assertThat(nodes.get(1)).as("planned").isEqualTo(nodes.get(0));
        assertThat(nodes.get(2)).as("placed").isEqualTo(nodes.get(0));
    }

    @Test
    void spreadingPutsTheSecondJobOnTheEmptyNode() throws Exception {
        SchedulerServer.Config spread = new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/")
                .withPlacement(PlacementSettings.defaults().withCapacityScoring(CapacityScoring.SPREAD));
        List<String> nodes = placeSecondJob(spread, "least-allocated");
        assertThat(nodes.get(1)).as("planned").isNotEqualTo(nodes.get(0));
        assertThat(nodes.get(2)).as("placed").isNotEqualTo(nodes.get(0));
    }
}
