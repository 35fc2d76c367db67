package dev.gantry.scheduler;

import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.Endpoint;
import dev.gantry.api.v1.EndpointsRequest;
import dev.gantry.api.v1.EndpointsResponse;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
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

/** The service catalog over real gRPC on loopback, on the in-memory store, with scripted agents. */
class EndpointsTest {
    private static final EndpointsRequest WEB = EndpointsRequest.newBuilder().setJob("web").build();
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

    private static void report(ScriptedAgent agent, Assignment a, boolean healthy) {
        agent.report(a, ClientStatus.CLIENT_RUNNING, java.util.Map.of("web", TaskState.newBuilder()
                .setStatus(TaskStatus.TASK_RUNNING).setHealthy(healthy)
                .setHealthMessage(healthy ? "" : "readiness check ready failing: HTTP 503").build()));
    }

    private static Job web(int count) {
        return Job.newBuilder().setName("web").setCount(count)
                .addTasks(Task.newBuilder().setName("web").setImage("file:/web.tar")
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20))
                        .addPorts(Port.newBuilder().setName("http")))
                .build();
    }

    private List<String> endpointIds() {
        return jobs.endpoints(WEB).getEndpointsList().stream().map(Endpoint::getAllocationId).toList();
    }

    @Test
    void listsOnlyRunningReplicasWhoseTasksAreHealthyAndFollowsChanges() throws Exception {
        ScriptedAgent a1 = new ScriptedAgent(channel, "n1", "10.0.0.1", 4096);
        ScriptedAgent a2 = new ScriptedAgent(channel, "n2", "10.0.0.2", 4096);
        eventually(() -> server.connectedAgents() == 2);
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(2)).build());
        eventually(() -> a1.latest().size() == 1 && a2.latest().size() == 1);
        Assignment on1 = a1.latest().get(0);
        Assignment on2 = a2.latest().get(0);
        assertThat(jobs.endpoints(WEB).getEndpointsList()).isEmpty();   // placed, not running

        List<EndpointsResponse> seen = new CopyOnWriteArrayList<>();
        ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
        JobServiceGrpc.newStub(channel).watchEndpoints(WEB, new ClientResponseObserver<EndpointsRequest, EndpointsResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<EndpointsRequest> requestStream) {
                call[0] = requestStream;
            }

            @Override
            public void onNext(EndpointsResponse r) {
                seen.add(r);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        eventually(() -> seen.size() == 1);
        assertThat(seen.get(0).getEndpointsList()).isEmpty();

        report(a1, on1, true);
        report(a2, on2, false);   // running but not ready: no traffic
        eventually(() -> endpointIds().equals(List.of(on1.getAllocation().getId())));
        Endpoint e = jobs.endpoints(WEB).getEndpoints(0);
        assertThat(e.getAddress()).isEqualTo("10.0.0.1");
        assertThat(e.getNodeId()).isEqualTo("n1");
        assertThat(e.getIndex()).isEqualTo(on1.getAllocation().getIndex());
        assertThat(e.getPortsList()).isEqualTo(on1.getAllocation().getPortsList()).isNotEmpty();
        eventually(() -> !seen.isEmpty() && seen.get(seen.size() - 1).getEndpointsCount() == 1);

        report(a2, on2, true);
        eventually(() -> seen.get(seen.size() - 1).getEndpointsCount() == 2);
        assertThat(seen.get(seen.size() - 1).getEndpointsList()).extracting(Endpoint::getAddress)
                .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        // Only changes are sent: every message differs from the one before it.
        for (int i = 1; i < seen.size(); i++) assertThat(seen.get(i)).isNotEqualTo(seen.get(i - 1));

        report(a1, on1, false);
        eventually(() -> seen.get(seen.size() - 1).getEndpointsList().stream().map(Endpoint::getAllocationId).toList()
                .equals(List.of(on2.getAllocation().getId())));
        call[0].cancel("done", null);
    }

    @Test
    void anUnknownJobIsNotFound() {
        assertThatThrownBy(() -> jobs.endpoints(EndpointsRequest.newBuilder().setJob("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
