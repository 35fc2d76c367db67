package dev.gantry.scheduler;

import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Resources;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.SubmitJobRequest;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.MemoryStore;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two scheduler replicas over real gRPC on one in-memory store (real clock): one decides, the
 * other only serves; when the leader goes, the standby takes over and placements go on.
 * Prints the measured failover times.
 */
class FailoverTest {
    private final MemoryStore store = new MemoryStore();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private SchedulerServer first;
    private SchedulerServer second;

    @BeforeEach
    void start() throws Exception {
        first = SchedulerServer.start(store, config());
        eventually(first::isLeader, Duration.ofSeconds(5));
        second = SchedulerServer.start(store, config());
        eventually(() -> second.leader().equals(first.leader()), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        first.close();
        second.close();
        store.close();
    }

    private static SchedulerServer.Config config() {
        return new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/");
    }

    @Test
    void onlyTheLeaderPlacesAndACleanShutdownHandsOverAtOnce() throws Exception {
        assertThat(first.isLeader()).isTrue();
        assertThat(second.isLeader()).isFalse();
        connectAgent(first, "n1");
        // Submitted through the standby: every replica serves the API.
        submit(second, web(2));
        eventually(() -> running().size() == 2, Duration.ofSeconds(10));
        Thread.sleep(1_000); // both loops have had several passes: nothing may be placed twice
        List<Allocation> placed = running();
        assertThat(placed).extracting(Allocation::getIndex).containsExactlyInAnyOrder(0, 1);
        assertThat(allocations()).hasSize(2);

        long t0 = System.nanoTime();
        first.close();
        eventually(second::isLeader, Duration.ofSeconds(5));
        Duration failover = Duration.ofNanos(System.nanoTime() - t0);
        System.out.println("failover after a clean leader shutdown: " + failover.toMillis() + " ms");

        connectAgent(second, "n1");
        submit(second, web(4));
        eventually(() -> running().size() == 4, Duration.ofSeconds(10));
        assertThat(running()).extracting(Allocation::getIndex).containsExactlyInAnyOrder(0, 1, 2, 3);
        assertThat(running().stream().map(Allocation::getId).collect(Collectors.toSet()))
                .containsAll(placed.stream().map(Allocation::getId).toList());
        assertThat(failover).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aCrashedLeaderIsReplacedWhenItsLeaseRunsOut() throws Exception {
        connectAgent(first, "n1");
        submit(first, web(1));
        eventually(() -> running().size() == 1, Duration.ofSeconds(10));

        long t0 = System.nanoTime();
        first.halt();
        eventually(second::isLeader, Duration.ofSeconds(10));
        Duration failover = Duration.ofNanos(System.nanoTime() - t0);
        System.out.println("failover after a leader crash (lease TTL 5s): " + failover.toMillis() + " ms");
        // Not before the lease could have run out, and not much after: the watch, not the next tick, reacts.
        assertThat(failover).isBetween(Duration.ofMillis(3_000), Duration.ofMillis(6_500));

        connectAgent(second, "n1");
        submit(second, web(3));
        eventually(() -> running().size() == 3, Duration.ofSeconds(10));
        assertThat(running()).extracting(Allocation::getIndex).containsExactlyInAnyOrder(0, 1, 2);
    }

    private ManagedChannel channel(SchedulerServer server) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private void connectAgent(SchedulerServer server, String id) {
        StreamObserver<AgentMessage> out = AgentServiceGrpc.newStub(channel(server)).connect(new StreamObserver<>() {
            @Override
            public void onNext(SchedulerMessage m) {
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        out.onNext(AgentMessage.newBuilder().setRegister(Node.newBuilder().setId(id).setName(id).setAddress("127.0.0.1:1")
                .addDrivers("runc").setCapacity(Resources.newBuilder().setCpuMillis(4000).setMemoryBytes(4096L << 20))).build());
    }

    private void submit(SchedulerServer server, Job job) {
        JobServiceGrpc.newBlockingStub(channel(server)).submit(SubmitJobRequest.newBuilder().setJob(job).build());
    }

    private static Job web(int count) {
        return Job.newBuilder().setName("web").setCount(count)
                .addTasks(Task.newBuilder().setName("web").setImage("file:/web.tar")
                        .setResources(Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20))
                        .addPorts(Port.newBuilder().setName("http")))
                .build();
    }

    private List<Allocation> allocations() {
        try {
            List<Allocation> out = new ArrayList<>();
            for (KeyValue kv : store.range("/gantry/allocs/").get().kvs()) out.add(Allocation.parseFrom(kv.value()));
            return out;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Allocations meant to run; a duplicate placement would show as a repeated index. */
    private List<Allocation> running() {
        List<Allocation> run = allocations().stream().filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN).toList();
        Set<Integer> indexes = run.stream().map(Allocation::getIndex).collect(Collectors.toSet());
        assertThat(indexes).as("one allocation per replica index").hasSize(run.size());
        return run;
    }

}
