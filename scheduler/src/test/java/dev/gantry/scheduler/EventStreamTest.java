package dev.gantry.scheduler;

import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Event;
import dev.gantry.api.v1.EventServiceGrpc;
import dev.gantry.api.v1.EventsRequest;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.scheduler.testing.InProcessScheduler;
import dev.gantry.scheduler.testing.ScriptedAgent;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The Events stream over real gRPC on loopback, on the in-memory store, with a scripted agent. */
class EventStreamTest {
    private InProcessScheduler cluster;
    private final List<Context.CancellableContext> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessScheduler.start();
    }

    @AfterEach
    void stop() {
        calls.forEach(c -> c.cancel(null));
        cluster.close();
    }

    /** Opens a stream and returns what it receives, as "kind job/alloc/task@node: message". */
    private List<Event> follow(EventsRequest request) {
        List<Event> seen = new CopyOnWriteArrayList<>();
        Context.CancellableContext call = Context.current().withCancellation();
        calls.add(call);
        call.run(() -> EventServiceGrpc.newStub(cluster.channel()).events(request, new StreamObserver<>() {
            @Override
            public void onNext(Event e) {
                seen.add(e);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        }));
        return seen;
    }

    private static boolean has(List<Event> events, String kind, String message) {
        return events.stream().anyMatch(e -> e.getKind().equals(kind) && e.getMessage().equals(message));
    }

    @Test
    void aClientSeesTheNodeThePlacementAndTheTaskStateChangesAsTheyHappen() throws Exception {
        List<Event> all = follow(EventsRequest.getDefaultInstance());
        List<Event> web = follow(EventsRequest.newBuilder().setNamespace("default").setJob("web").build());
        List<Event> other = follow(EventsRequest.newBuilder().setJob("other").build());
        eventually(() -> cluster.server().openEventStreams() == 3);

        ScriptedAgent agent = new ScriptedAgent(cluster.channel(), "n1", "10.0.0.1", 4096);
        eventually(() -> has(all, "node.registered", "node n1 registered at 10.0.0.1:7422 (drivers: runc)"));

        cluster.jobs().submit(SubmitJobRequest.newBuilder().setJob(Job.newBuilder().setName("web").setCount(1)
                .addTasks(Task.newBuilder().setName("web").setImage("registry.example/web:1")
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20)))).build());
        eventually(() -> agent.latest().size() == 1);
        Assignment a = agent.latest().get(0);
        eventually(() -> has(web, "alloc.placed", "replica 0 (version 1) placed on n1"));
        Event placed = web.stream().filter(e -> e.getKind().equals("alloc.placed")).findFirst().orElseThrow();
        assertThat(placed.getAllocationId()).isEqualTo(a.getAllocation().getId());
        assertThat(placed.getNodeId()).isEqualTo("n1");
        assertThat(placed.hasTime()).isTrue();
        assertThat(web).extracting(Event::getKind).startsWith("job.submitted");

        agent.report(a, ClientStatus.CLIENT_PENDING, Map.of("web", TaskState.newBuilder().setStatus(TaskStatus.TASK_PENDING)
                .setMessage("pulling registry.example/web:1: 12.3/50.1 MB").build()));
        eventually(() -> has(web, "task.message", "pulling registry.example/web:1: 12.3/50.1 MB"));
        agent.report(a, ClientStatus.CLIENT_RUNNING, Map.of("web", TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).build()));
        eventually(() -> has(web, "task.running", "started") && has(web, "alloc.running", "replica 0 running on n1"));
        Event running = web.stream().filter(e -> e.getKind().equals("task.running")).findFirst().orElseThrow();
        assertThat(running.getTask()).isEqualTo("web");

        // The job filter leaves out node events and other jobs; the unfiltered stream got the same job events
        // (it is its own stream, delivered on its own: wait for its last one).
        eventually(() -> has(all, "task.running", "started"));
        assertThat(web).noneMatch(e -> e.getKind().startsWith("node."));
        assertThat(all).extracting(Event::getKind).containsSubsequence("node.registered", "job.submitted", "alloc.placed",
                "task.message", "task.running");
        assertThat(web).as("a placed task is pending: no news").noneMatch(e -> e.getMessage().equals("pending"));
        assertThat(other).isEmpty();
    }

    @Test
    void aCancelledStreamIsForgotten() throws Exception {
        follow(EventsRequest.getDefaultInstance());
        eventually(() -> cluster.server().openEventStreams() == 1);
        calls.get(0).cancel(null);
        eventually(() -> cluster.server().openEventStreams() == 0);
    }
}
