package dev.gantry.scheduler.service;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.Registered;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Store;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * The agent stream: registration, allocation status updates in, desired allocations out.
 * Desired state is pushed whole to every connected agent whenever the cluster state changes
 * and that agent's share of it differs from what it was last sent.
 */
public final class AgentServiceImpl extends AgentServiceGrpc.AgentServiceImplBase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentServiceImpl.class);

    private final ClusterState state;
    private final Store store;
    private final Keys keys;
    private final Clock clock;
    private final ConcurrentHashMap<String, AgentSession> sessions = new ConcurrentHashMap<>();
    private final ExecutorService pusher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gantry-agent-push");
        t.setDaemon(true);
        return t;
    });

    public AgentServiceImpl(ClusterState state, Store store, Keys keys, Clock clock) {
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        state.addListener(() -> pusher.execute(this::pushAll));
    }

    public int connectedAgents() {
        return sessions.size();
    }

    @Override
    public StreamObserver<AgentMessage> connect(StreamObserver<SchedulerMessage> out) {
        return new StreamObserver<>() {
            private AgentSession session;

            @Override
            public void onNext(AgentMessage m) {
                try {
                    switch (m.getBodyCase()) {
                        case REGISTER -> session = register(m.getRegister(), out);
                        case UPDATE -> {
                            if (session == null) throw Status.FAILED_PRECONDITION.withDescription("register first").asRuntimeException();
                            update(session.nodeId(), m.getUpdate());
                        }
                        case HEARTBEAT -> { }
                        default -> log.debug("ignoring empty agent message");
                    }
                } catch (io.grpc.StatusRuntimeException e) {
                    closeSession(session);
                    out.onError(e);
                } catch (Exception e) {
                    log.warn("agent message failed: {}", e.toString());
                    closeSession(session);
                    out.onError(Status.UNAVAILABLE.withDescription(e.toString()).asRuntimeException());
                }
            }

            @Override
            public void onError(Throwable t) {
                closeSession(session);
            }

            @Override
            public void onCompleted() {
                closeSession(session);
                try {
                    out.onCompleted();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
        };
    }

    private AgentSession register(Node announced, StreamObserver<SchedulerMessage> out) throws Exception {
        if (announced.getId().isEmpty()) throw Status.INVALID_ARGUMENT.withDescription("node id is empty").asRuntimeException();
        var now = Timestamps.fromMillis(clock.millis());
        var result = AtomicUpdate.apply(store, keys.node(announced.getId()), Node.parser(), current -> Optional.of(
                announced.toBuilder()
                        .setStatus(NodeStatus.NODE_READY)
                        .setEligible(current.map(Node::getEligible).orElse(true))
                        .setLastHeartbeat(now)
                        .build()));
        AgentSession s = new AgentSession(announced.getId(), out);
        AgentSession previous = sessions.put(s.nodeId(), s);
        if (previous != null) previous.close();
        s.send(SchedulerMessage.newBuilder().setRegistered(Registered.newBuilder().setNodeId(s.nodeId())).build());
        log.info("agent {} ({}) registered from {}", announced.getName(), s.nodeId(), announced.getAddress());
        state.awaitRevision(result.revision()).thenRun(() -> pusher.execute(() -> push(s)));
        return s;
    }

    private void update(String nodeId, AllocationUpdate u) throws Exception {
        AtomicUpdate.apply(store, keys.allocation(u.getAllocationId()), Allocation.parser(), current -> {
            if (current.isEmpty() || !current.get().getNodeId().equals(nodeId)) return Optional.empty();
            Allocation.Builder b = current.get().toBuilder()
                    .setClientStatus(u.getClientStatus())
                    .putAllTaskStates(u.getTaskStatesMap())
                    .setModifyTime(Timestamps.fromMillis(clock.millis()));
            if (!u.getMessage().isEmpty()) b.setStatusMessage(u.getMessage());
            Allocation next = b.build();
            return next.equals(current.get().toBuilder().setModifyTime(next.getModifyTime()).build())
                    ? Optional.empty() : Optional.of(next);
        });
    }

    private void pushAll() {
        for (AgentSession s : sessions.values()) push(s);
    }

    private void push(AgentSession s) {
        try {
            s.pushIfChanged(DesiredAssignments.forNode(state.snapshot(), s.nodeId()));
        } catch (RuntimeException e) {
            log.warn("push to agent {} failed: {}", s.nodeId(), e.toString());
            closeSession(s);
        }
    }

    private void closeSession(AgentSession s) {
        if (s != null && sessions.remove(s.nodeId(), s)) {
            log.info("agent {} disconnected", s.nodeId());
        }
    }

    @Override
    public void close() {
        pusher.shutdownNow();
        sessions.values().forEach(AgentSession::close);
        sessions.clear();
    }
}
