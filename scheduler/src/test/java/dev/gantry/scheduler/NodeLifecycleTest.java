package dev.gantry.scheduler;

import com.google.protobuf.util.Durations;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationServiceGrpc;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.DrainRequest;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.Heartbeat;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.ListAllocationsRequest;
import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeRequest;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.NodeView;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Node loss, return, cordon and drain: the scheduler over loopback gRPC on the in-memory
 * store with a 2 s node TTL, and scripted agents that heartbeat every 500 ms and act on what
 * they are told the way the real agent's supervisor does.
 */
class NodeLifecycleTest {
    private static final Duration TTL = Duration.ofSeconds(2);

    private MemoryStore store;
    private SchedulerServer server;
    private ManagedChannel channel;
    private JobServiceGrpc.JobServiceBlockingStub jobs;
    private NodeServiceGrpc.NodeServiceBlockingStub nodes;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final List<ScriptedAgent> agents = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        store = new MemoryStore();
        server = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/").withNodeTtl(TTL));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        jobs = JobServiceGrpc.newBlockingStub(channel);
        nodes = NodeServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        agents.forEach(ScriptedAgent::silence);
        timer.shutdownNow();
        channel.shutdownNow();
        server.close();
        store.close();
    }

    /**
     * An agent that runs what it is told: starts each allocation listed to run (at once, or
     * when {@link #startPending} is called) and stops, reporting complete, each one listed to
     * stop or no longer listed. It re-sends the state of what it runs after registering.
     */
    private final class ScriptedAgent {
        final String id;
        final List<DesiredAllocations> received = new CopyOnWriteArrayList<>();
        final Set<String> running = ConcurrentHashMap.newKeySet();
        final Set<String> stopped = ConcurrentHashMap.newKeySet();
        final AtomicInteger maxPending = new AtomicInteger();
        volatile boolean autoStart = true;
        private final StreamObserver<AgentMessage> out;
        private final ScheduledFuture<?> heartbeat;

        ScriptedAgent(String id, Set<String> alreadyRunning) {
            this.id = id;
            running.addAll(alreadyRunning);
            out = AgentServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
                @Override
                public void onNext(SchedulerMessage m) {
                    if (m.hasDesired()) apply(m.getDesired());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            send(AgentMessage.newBuilder().setRegister(Node.newBuilder().setId(id).setName(id).setAddress("127.0.0.1:1")
                    .addDrivers("runc").setCapacity(Resources.newBuilder().setCpuMillis(4000).setMemoryBytes(4096L << 20))).build());
            running.forEach(a -> report(a, ClientStatus.CLIENT_RUNNING));
            heartbeat = timer.scheduleAtFixedRate(() -> send(AgentMessage.newBuilder()
                    .setHeartbeat(Heartbeat.getDefaultInstance()).build()), 500, 500, TimeUnit.MILLISECONDS);
            agents.add(this);
        }

        synchronized void send(AgentMessage m) {
            out.onNext(m);
        }

        void report(String alloc, ClientStatus status) {
            send(AgentMessage.newBuilder().setUpdate(AllocationUpdate.newBuilder().setAllocationId(alloc).setClientStatus(status)).build());
        }

        private synchronized void apply(DesiredAllocations d) {
            received.add(d);
            Set<String> wanted = ConcurrentHashMap.newKeySet();
            for (Assignment a : d.getAssignmentsList()) {
                if (a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN) wanted.add(a.getAllocation().getId());
            }
            for (String r : Set.copyOf(running)) {
                if (!wanted.contains(r)) {
                    running.remove(r);
                    stopped.add(r);
                    report(r, ClientStatus.CLIENT_COMPLETE);
                }
            }
            maxPending.accumulateAndGet((int) wanted.stream().filter(w -> !running.contains(w)).count(), Math::max);
            if (autoStart) startPending();
        }

        synchronized void startPending() {
            DesiredAllocations d = received.isEmpty() ? DesiredAllocations.getDefaultInstance() : received.get(received.size() - 1);
            for (Assignment a : d.getAssignmentsList()) {
                String aid = a.getAllocation().getId();
                if (a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN && running.add(aid)) {
                    report(aid, ClientStatus.CLIENT_RUNNING);
                }
            }
        }

        /** Stops heartbeating and reporting, leaving the stream open: a hung agent or a partition. */
        void silence() {
            heartbeat.cancel(false);
        }

        int pending() {
            DesiredAllocations d = received.isEmpty() ? DesiredAllocations.getDefaultInstance() : received.get(received.size() - 1);
            return (int) d.getAssignmentsList().stream().filter(a -> a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN)
                    .filter(a -> !running.contains(a.getAllocation().getId())).count();
        }
    }

    private ScriptedAgent agent(String id) throws InterruptedException {
        ScriptedAgent a = new ScriptedAgent(id, Set.of());
        eventually(() -> node(id).getStatus() == NodeStatus.NODE_READY);
        return a;
    }

    private static Job web(int count) {
        return Job.newBuilder().setName("web").setCount(count)
                .addTasks(Task.newBuilder().setName("web").setImage("file:/web.tar")
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20))
                        .addPorts(Port.newBuilder().setName("http")))
                .build();
    }

    private JobSummary summary() {
        return jobs.get(GetJobRequest.newBuilder().setNamespace("default").setName("web").build()).getSummary();
    }

    private List<Allocation> wantedToRun() {
        return AllocationServiceGrpc.newBlockingStub(channel).list(ListAllocationsRequest.newBuilder().setJob("web").build())
                .getAllocationsList().stream().filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN).toList();
    }

    private Node node(String id) {
        return nodes.list(ListNodesRequest.getDefaultInstance()).getNodesList().stream().map(NodeView::getNode)
                .filter(n -> n.getId().equals(id)).findFirst().orElse(Node.getDefaultInstance());
    }

    @Test
    void aSilentNodeIsMarkedDownAfterItsTtlItsReplicasMoveAndOnReturnItStopsItsOldCopy() throws Exception {
        ScriptedAgent n1 = agent("n1");
        ScriptedAgent n2 = agent("n2");
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(2)).build());
        eventually(() -> summary().getRunning() == 2 && n1.running.size() == 1 && n2.running.size() == 1);
        String old = n1.running.iterator().next();

        n1.silence();
        long silentAt = System.nanoTime();
        eventually(() -> node("n1").getStatus() == NodeStatus.NODE_DOWN);
        long detected = System.nanoTime();
        eventually(() -> n2.running.size() == 2 && summary().getRunning() == 2);
        long replaced = System.nanoTime();
        System.out.printf("node loss: silent -> marked down %d ms (TTL %d ms), down -> replacement running %d ms%n",
                (detected - silentAt) / 1_000_000, TTL.toMillis(), (replaced - detected) / 1_000_000);
        assertThat(Duration.ofNanos(detected - silentAt)).isBetween(TTL.minusMillis(600), TTL.plusMillis(1500));
        assertThat(Duration.ofNanos(replaced - silentAt)).isLessThan(TTL.plusSeconds(5));
        assertThat(node("n2").getStatus()).isEqualTo(NodeStatus.NODE_READY);

        // n1's agent comes back, still running its old copy, and says so.
        ScriptedAgent back = new ScriptedAgent("n1", Set.of(old));
        eventually(() -> back.stopped.contains(old) && back.running.isEmpty());
        assertThat(back.received).noneMatch(d -> d.getAssignmentsList().stream()
                .anyMatch(a -> a.getAllocation().getId().equals(old) && a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN));
        eventually(() -> node("n1").getStatus() == NodeStatus.NODE_READY);
        eventually(() -> summary().getRunning() == 2);
        assertThat(wantedToRun()).hasSize(2).extracting(Allocation::getNodeId).containsOnly("n2");
        eventually(() -> AllocationServiceGrpc.newBlockingStub(channel).list(ListAllocationsRequest.newBuilder()
                .setJob("web").setIncludeStopped(true).build()).getAllocationsList().stream()
                .anyMatch(a -> a.getId().equals(old) && a.getClientStatus() == ClientStatus.CLIENT_COMPLETE));
    }

    @Test
    void aDownNodeWhoseStreamHeartbeatsAgainIsReadyAgainAndStopsWhatWasReplaced() throws Exception {
        ScriptedAgent n1 = agent("n1");
        ScriptedAgent n2 = agent("n2");
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(2)).build());
        eventually(() -> summary().getRunning() == 2 && n1.running.size() == 1);
        String old = n1.running.iterator().next();
        n1.silence();
        eventually(() -> node("n1").getStatus() == NodeStatus.NODE_DOWN);
        eventually(() -> n2.running.size() == 2);

        // The partition heals: the same stream carries heartbeats again.
        n1.send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
        eventually(() -> node("n1").getStatus() == NodeStatus.NODE_READY);
        eventually(() -> n1.stopped.contains(old));
        eventually(() -> summary().getRunning() == 2);
        assertThat(wantedToRun()).extracting(Allocation::getNodeId).containsOnly("n2");
    }

    @Test
    void aRestartedSchedulerGivesEveryNodeOneTtlSoHealthyNodesSurviveTheRestart() throws Exception {
        // The cluster as a scheduler finds it after being away for a minute: both nodes ready,
        // last registered long ago, and no heartbeat in its (new, empty) memory.
        server.close();
        channel.shutdownNow();
        var longAgo = com.google.protobuf.util.Timestamps.fromMillis(System.currentTimeMillis() - 60_000);
        for (String id : List.of("n1", "n2")) {
            Node n = Node.newBuilder().setId(id).setName(id).addDrivers("runc").setStatus(NodeStatus.NODE_READY)
                    .setEligible(true).setLastHeartbeat(longAgo).build();
            store.txn(List.of(), List.of(dev.gantry.scheduler.store.Op.put("/gantry/nodes/" + id, n.toByteArray())), List.of()).get();
        }
        long startedAt = System.nanoTime();
        server = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/").withNodeTtl(TTL));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        nodes = NodeServiceGrpc.newBlockingStub(channel);
        new ScriptedAgent("n2", Set.of());   // n2's agent reconnects at once; n1's never does

        eventually(() -> node("n1").getStatus() == NodeStatus.NODE_DOWN);
        long downAfter = (System.nanoTime() - startedAt) / 1_000_000;
        System.out.printf("scheduler restart: silent node marked down %d ms after start (TTL %d ms)%n", downAfter, TTL.toMillis());
        assertThat(downAfter).isGreaterThanOrEqualTo(TTL.toMillis());
        assertThat(node("n2").getStatus()).isEqualTo(NodeStatus.NODE_READY);
    }

    @Test
    void aCordonedNodeGetsNoNewAllocationsUntilUncordoned() throws Exception {
        ScriptedAgent n1 = agent("n1");
        ScriptedAgent n2 = agent("n2");
        NodeView v = nodes.cordon(NodeRequest.newBuilder().setNode("n1").build());
        assertThat(v.getNode().getEligible()).isFalse();

        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(2)).build());
        eventually(() -> summary().getRunning() == 2);
        assertThat(n2.running).hasSize(2);
        assertThat(n1.running).isEmpty();

        // A cordon survives the agent re-registering.
        new ScriptedAgent("n1", Set.of());
        eventually(() -> server.connectedAgents() == 2);
        assertThat(node("n1").getEligible()).isFalse();

        assertThat(nodes.uncordon(NodeRequest.newBuilder().setNode("n1").build()).getNode().getEligible()).isTrue();
        assertThatThrownBy(() -> nodes.cordon(NodeRequest.newBuilder().setNode("nope").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> nodes.cordon(NodeRequest.newBuilder().setNode("n").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    @Test
    void drainingMovesReplicasOneAtATimeEachReplacementRunningBeforeItsPredecessorStops() throws Exception {
        ScriptedAgent n1 = agent("n1");
        ScriptedAgent n2 = agent("n2");
        jobs.submit(SubmitJobRequest.newBuilder().setJob(web(4)).build());
        eventually(() -> summary().getRunning() == 4 && n1.running.size() == 2 && n2.running.size() == 2);
        n2.autoStart = false;
        n2.maxPending.set(0);

        NodeView drained = nodes.drain(DrainRequest.newBuilder().setNode("n1").setDeadline(Durations.fromSeconds(60)).build());
        assertThat(drained.getNode().getDraining()).isTrue();
        assertThat(drained.getNode().getEligible()).isFalse();

        for (int i = 1; i <= 2; i++) {
            int moved = i;
            int stillOnN1 = 3 - moved;
            // A replacement is placed on n2 while every copy left on n1 keeps running.
            eventually(() -> n2.pending() == 1 && n1.running.size() == stillOnN1);
            assertThat(n1.stopped).hasSize(moved - 1);
            n2.startPending();
            eventually(() -> n1.stopped.size() == moved);
        }
        eventually(() -> n1.running.isEmpty() && n2.running.size() == 4 && summary().getRunning() == 4);
        assertThat(n2.maxPending.get()).isEqualTo(1);
        assertThat(wantedToRun()).hasSize(4).extracting(Allocation::getNodeId).containsOnly("n2");
        NodeView after = nodes.list(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
                .filter(x -> x.getNode().getId().equals("n1")).findFirst().orElseThrow();
        assertThat(after.getAllocations()).isZero();

        assertThat(nodes.uncordon(NodeRequest.newBuilder().setNode("n1").build()).getNode())
                .satisfies(n -> {
                    assertThat(n.getDraining()).isFalse();
                    assertThat(n.getEligible()).isTrue();
                    assertThat(n.hasDrainDeadline()).isFalse();
                });
    }
}
