package dev.gantry.agent.connect;

import dev.gantry.api.desired.DesiredSet;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Registered;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The agent's end of the Connect stream against a scheduler played by the test. */
class SchedulerConnectionTest {
    private Server server;
    private SchedulerConnection connection;
    private final List<AgentMessage> registrations = new CopyOnWriteArrayList<>();
    private final List<DesiredAllocations> applied = new CopyOnWriteArrayList<>();
    private final List<ServiceCatalogUpdate> services = new CopyOnWriteArrayList<>();
    private final AtomicInteger streams = new AtomicInteger();

    @AfterEach
    void close() {
        if (connection != null) connection.close();
        if (server != null) server.shutdownNow();
    }

    private static Assignment assignment(String id) {
        return Assignment.newBuilder().setAllocation(Allocation.newBuilder().setId(id)).build();
    }

    private static SchedulerMessage whole(String... ids) {
        DesiredAllocations.Builder d = DesiredAllocations.newBuilder();
        for (String id : ids) d.addAssignments(assignment(id));
        return SchedulerMessage.newBuilder().setDesired(d).build();
    }

    private static SchedulerMessage changes(List<String> upserted, List<String> removed) {
        DesiredChanges.Builder c = DesiredChanges.newBuilder().addAllRemoved(removed);
        upserted.forEach(id -> c.addUpserted(assignment(id)));
        return SchedulerMessage.newBuilder().setChanges(c).build();
    }

    /** Starts a scheduler that answers each registration (the n-th stream, from 1) with {@code script}. */
    private void schedulerThatSends(java.util.function.BiConsumer<Integer, Consumer<SchedulerMessage>> script) throws Exception {
        server = NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
                .addService(new AgentServiceGrpc.AgentServiceImplBase() {
                    @Override
                    public StreamObserver<AgentMessage> connect(StreamObserver<SchedulerMessage> out) {
                        int n = streams.incrementAndGet();
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(AgentMessage m) {
                                if (!m.hasRegister()) return;
                                registrations.add(m);
                                out.onNext(SchedulerMessage.newBuilder().setRegistered(Registered.newBuilder().setNodeId("n1")).build());
                                script.accept(n, out::onNext);
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                                out.onCompleted();
                            }
                        };
                    }
                }).build().start();
        connection = new SchedulerConnection(List.of("127.0.0.1:" + server.getPort()), dev.gantry.api.transport.Transport.plaintext(),
                () -> Node.newBuilder().setId("n1").setName("node-1").build(), applied::add, List::of, services::add);
        connection.start();
    }

    private static List<String> ids(DesiredAllocations d) {
        return d.getAssignmentsList().stream().map(a -> a.getAllocation().getId()).toList();
    }

    @Test
    void announcesThatItAcceptsChangesAndHandsOnTheWholeSetItRebuilds() throws Exception {
        schedulerThatSends((n, send) -> {
            send.accept(whole("a1", "a2"));
            send.accept(changes(List.of("a3"), List.of("a1")));
        });
        eventually(() -> applied.size() == 2);
        assertThat(registrations.get(0).getFeaturesList()).contains(DesiredSet.FEATURE);
        assertThat(ids(applied.get(0))).containsExactly("a1", "a2");
        assertThat(ids(applied.get(1))).containsExactly("a2", "a3");
    }

    @Test
    void aReportAfterCloseIsDroppedNotThrown() throws Exception {
        schedulerThatSends((n, send) -> send.accept(whole("a1")));
        eventually(() -> applied.size() == 1);
        connection.close();
        connection.report(dev.gantry.api.v1.AllocationUpdate.newBuilder().setAllocationId("a1").build());
        assertThat(applied).hasSize(1);
    }

    @Test
    void changesWithoutAWholeSetBeforeThemAreNotAppliedAndTheStreamStartsAgain() throws Exception {
        schedulerThatSends((n, send) -> {
            if (n == 1) send.accept(changes(List.of("a1"), List.of()));
            else send.accept(whole("a2"));
        });
        eventually(() -> streams.get() >= 2 && !applied.isEmpty());
        assertThat(applied).extracting(SchedulerConnectionTest::ids).containsExactly(List.of("a2"));
    }

    @Test
    void asksForTheServiceCatalogAndHandsOnEachMessageInOrder() throws Exception {
        ServiceCatalogUpdate first = ServiceCatalogUpdate.newBuilder().setFull(true).build();
        ServiceCatalogUpdate then = ServiceCatalogUpdate.newBuilder().addRemoved("a1").build();
        schedulerThatSends((n, send) -> {
            send.accept(SchedulerMessage.newBuilder().setServices(first).build());
            send.accept(SchedulerMessage.newBuilder().setServices(then).build());
        });
        eventually(() -> services.size() == 2);
        assertThat(registrations.get(0).getFeaturesList()).contains(DesiredSet.FEATURE, SchedulerConnection.SERVICES_FEATURE);
        assertThat(services).containsExactly(first, then);
        assertThat(applied).isEmpty();
    }
}
