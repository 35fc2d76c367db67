package dev.gantry.scheduler.service;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.desired.DesiredSet;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.Registered;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.Secret;
import dev.gantry.scheduler.liveness.Heartbeats;
import dev.gantry.scheduler.rollout.ReplicaHealth;
import dev.gantry.scheduler.state.AtomicUpdate;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Store;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The agent stream: registration, allocation status updates in, desired allocations out.
 * An agent's share of the desired state is pushed when the cluster state changes in a way that
 * may touch it (its allocations, or the records of jobs it runs; any secret change re-checks
 * every agent) and it differs from what the agent was last sent: whole the first time on a
 * stream, then only what changed if the agent accepts that ({@link AgentSession}). Agents that
 * announce {@link ServiceDirectory#FEATURE} also get the catalog of ready replicas for their DNS
 * server, whole first, then as it changes. Every message from a
 * registered agent counts as a sign of life in {@link Heartbeats}, which node liveness reads.
 */
public final class AgentServiceImpl extends AgentServiceGrpc.AgentServiceImplBase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentServiceImpl.class);

    private final ClusterState state;
    private final Store store;
    private final Keys keys;
    private final Clock clock;
    private final java.time.Duration heartbeatInterval;
    private volatile java.util.function.BooleanSupplier isLeader = () -> true;
    private volatile java.util.function.Supplier<java.util.Optional<String>> leader = java.util.Optional::empty;
    private final Heartbeats heartbeats;
    private final ConcurrentHashMap<String, AgentSession> sessions = new ConcurrentHashMap<>();
    // Nodes marked down as of the last state change, so that a heartbeat costs no snapshot.
    private volatile Set<String> downNodes = Set.of();
    private final AtomicBoolean pushPending = new AtomicBoolean();
    /** The snapshot the last push round worked from; pusher thread only. */
    private Snapshot lastRound;
    /** The secrets the last push round worked from (compared by reference); pusher thread only. */
    private Map<String, Versioned<Secret>> lastSecrets;
    /** The ready replicas as last sent to agents that want them; pusher thread only. */
    private final ServiceDirectory services = new ServiceDirectory();
    private final ExecutorService pusher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gantry-agent-push");
        t.setDaemon(true);
        return t;
    });

    public AgentServiceImpl(ClusterState state, Store store, Keys keys, Clock clock, Heartbeats heartbeats,
                            java.time.Duration heartbeatInterval) {
        this.heartbeatInterval = heartbeatInterval;
        this.state = state;
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.heartbeats = heartbeats;
        state.addListener(this::schedulePushAll);
    }

    /** A third of the node TTL: two beats may be lost or late before a node looks dead. */
    public static java.time.Duration heartbeatIntervalFor(java.time.Duration nodeTtl) {
        java.time.Duration third = nodeTtl.dividedBy(3);
        return third.compareTo(java.time.Duration.ofMillis(200)) < 0 ? java.time.Duration.ofMillis(200) : third;
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
                        case REGISTER -> session = register(m.getRegister(), m.getFeaturesList().contains(DesiredSet.FEATURE),
                                m.getFeaturesList().contains(ServiceDirectory.FEATURE), out);
                        case UPDATE -> {
                            if (session == null) throw Status.FAILED_PRECONDITION.withDescription("register first").asRuntimeException();
                            heartbeats.record(session.nodeId(), clock.instant());
                            update(session.nodeId(), m.getUpdate());
                        }
                        case HEARTBEAT -> {
                            if (session == null) break;
                            heartbeats.record(session.nodeId(), clock.instant());
                            reviveIfDown(session.nodeId());
                        }
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

    /**
     * Accept agents only while {@code isLeader} holds, pointing others at {@code leader}. Interim:
     * heartbeats live in the memory of the replica holding the stream, so a leader would mark
     * down nodes whose agents sit on a standby. Until liveness moves into the store (a
     * lease-bound key per node), every agent talks to the leader: a standby refuses it with
     * UNAVAILABLE and the agent fails over to its next scheduler address.
     */
    public void acceptOnlyWhileLeader(java.util.function.BooleanSupplier isLeader,
                                      java.util.function.Supplier<java.util.Optional<String>> leader) {
        this.isLeader = isLeader;
        this.leader = leader;
    }

    /** Called when leadership changes: a replica that stopped leading sends its agents away. */
    public void onLeadershipChange() {
        if (isLeader.getAsBoolean()) return;
        for (AgentSession s : List.copyOf(sessions.values())) {
            if (sessions.remove(s.nodeId(), s)) {
                s.fail(Status.UNAVAILABLE.withDescription(standbyMessage()).asRuntimeException());
            }
        }
    }

    private String standbyMessage() {
        return "this scheduler is a standby; the leader is " + leader.get().orElse("not elected yet");
    }

    private AgentSession register(Node announced, boolean acceptsChanges, boolean wantsServices,
                                  StreamObserver<SchedulerMessage> out) throws Exception {
        if (announced.getId().isEmpty()) throw Status.INVALID_ARGUMENT.withDescription("node id is empty").asRuntimeException();
        // Node authorization: an agent known by its certificate speaks only for the node it names.
        if (dev.gantry.scheduler.security.Caller.current() instanceof dev.gantry.scheduler.security.Caller.Node n
                && !n.id().equals(announced.getId())) {
            throw Status.PERMISSION_DENIED.withDescription("node " + n.id() + " may not register as node " + announced.getId())
                    .asRuntimeException();
        }
        if (!isLeader.getAsBoolean()) throw Status.UNAVAILABLE.withDescription(standbyMessage()).asRuntimeException();
        var now = Timestamps.fromMillis(clock.millis());
        heartbeats.record(announced.getId(), clock.instant());
        var result = AtomicUpdate.apply(store, keys.node(announced.getId()), Node.parser(), current -> {
            // What the operator decided (cordon, drain) survives the agent's restarts; the rest is the agent's.
            Node.Builder b = announced.toBuilder()
                    .setStatus(NodeStatus.NODE_READY)
                    .setEligible(current.map(Node::getEligible).orElse(true))
                    .setDraining(current.map(Node::getDraining).orElse(false))
                    .setLastHeartbeat(now);
            if (current.isPresent() && current.get().hasDrainDeadline()) b.setDrainDeadline(current.get().getDrainDeadline());
            else b.clearDrainDeadline();
            return Optional.of(b.build());
        });
        AgentSession s = new AgentSession(announced.getId(), out, acceptsChanges, wantsServices);
        AgentSession previous = sessions.put(s.nodeId(), s);
        if (previous != null) previous.close();
        s.send(SchedulerMessage.newBuilder().setRegistered(Registered.newBuilder().setNodeId(s.nodeId())
                .setHeartbeatInterval(com.google.protobuf.util.Durations.fromMillis(heartbeatInterval.toMillis()))).build());
        log.info("agent {} ({}) registered from {}", announced.getName(), s.nodeId(), announced.getAddress());
        state.awaitRevision(result.revision()).thenRun(() -> pusher.execute(() -> {
            Snapshot snapshot = state.snapshot();
            push(s, snapshot, state.secrets());
            pushServices(snapshot);
        }));
        return s;
    }

    /**
     * A heartbeat on the stream of a node marked down (it was silent past its TTL, for example
     * behind a partition, but kept its stream) brings it back, as a re-registration would. Its
     * allocations were already replaced; the desired set it is pushed tells it to stop them.
     */
    private void reviveIfDown(String nodeId) throws Exception {
        if (!downNodes.contains(nodeId)) return;
        var result = AtomicUpdate.apply(store, keys.node(nodeId), Node.parser(), current -> current
                .filter(n -> n.getStatus() == NodeStatus.NODE_DOWN)
                .map(n -> n.toBuilder().setStatus(NodeStatus.NODE_READY)
                        .setLastHeartbeat(Timestamps.fromMillis(clock.millis())).build()));
        if (result.written()) log.info("node {} is heard from again; marked ready", nodeId);
    }

    private void update(String nodeId, AllocationUpdate u) throws Exception {
        // The cache almost always holds the allocation as stored (the scheduler wrote it): try
        // that revision first and save a read per report; a stale cache falls back to the read.
        AtomicUpdate.apply(store, keys.allocation(u.getAllocationId()), Allocation.parser(), current -> {
            // Node authorization: a node reports only about its own allocations; anything else is dropped.
            if (current.isPresent() && !current.get().getNodeId().equals(nodeId)) {
                log.warn("node {} reported on allocation {} of node {}: refused", nodeId, u.getAllocationId(), current.get().getNodeId());
                return Optional.empty();
            }
            if (current.isEmpty()) return Optional.empty();
            Allocation.Builder b = current.get().toBuilder()
                    .setClientStatus(u.getClientStatus())
                    .putAllTaskStates(u.getTaskStatesMap())
                    .setModifyTime(Timestamps.fromMillis(clock.millis()));
            if (!u.getMessage().isEmpty()) b.setStatusMessage(u.getMessage());
            if (!u.getAddress().isEmpty()) b.setAddress(u.getAddress());
            // Rollouts judge health by how long a replica has been ready without a break.
            if (!ReplicaHealth.ready(b.build())) b.clearHealthySince();
            else if (!b.hasHealthySince()) b.setHealthySince(Timestamps.fromMillis(clock.millis()));
            Allocation next = b.build();
            return next.equals(current.get().toBuilder().setModifyTime(next.getModifyTime()).build())
                    ? Optional.empty() : Optional.of(next);
        }, state.snapshot().allocations().get(u.getAllocationId()));
    }

    /**
     * Any number of state changes while a push round is queued or running collapse into one more
     * round: each round pushes the state as it is then, so nothing is lost, and a burst of
     * changes costs a few rounds instead of one per change.
     */
    private void schedulePushAll() {
        if (!pushPending.compareAndSet(false, true)) return;
        try {
            pusher.execute(() -> {
                pushPending.set(false);
                pushAll();
            });
        } catch (RejectedExecutionException closed) {
            // closed: nothing to push to
        }
    }

    /**
     * Pushes to the agents whose share of the desired state may have changed since the last
     * round: nodes whose allocations changed, and nodes running a job whose record changed.
     * Found by comparing this round's snapshot with the last one's, which costs O(changes).
     * A newly registered agent gets its first push from {@link #register}. Pusher thread only.
     */
    private void pushAll() {
        Snapshot snapshot = state.snapshot();
        pushServices(snapshot);
        Snapshot previous = lastRound;
        lastRound = snapshot;
        Map<String, Versioned<Secret>> secrets = state.secrets();
        boolean secretsChanged = secrets != lastSecrets;
        lastSecrets = secrets;
        if (previous == null || !snapshot.changedNodes(previous).isEmpty()) {
            downNodes = snapshot.nodes().values().stream().map(Versioned::value)
                    .filter(n -> n.getStatus() == NodeStatus.NODE_DOWN).map(Node::getId).collect(Collectors.toUnmodifiableSet());
        }
        // A secret changes rarely: re-check every agent's share (an unchanged share is not resent).
        if (previous == null || secretsChanged) {
            for (AgentSession s : sessions.values()) push(s, snapshot, secrets);
            return;
        }
        Set<String> nodes = snapshot.nodesWithChangedAllocations(previous);
        for (String job : snapshot.changedJobRecords(previous)) {
            for (Versioned<Allocation> a : snapshot.allocationsOfJob(job).values()) nodes.add(a.value().getNodeId());
        }
        for (String node : nodes) {
            AgentSession s = sessions.get(node);
            if (s != null) push(s, snapshot, secrets);
        }
    }

    /**
     * Brings the service catalog to {@code snapshot} and sends what changed to the agents that
     * want it (the whole catalog to those that have none yet on their stream). Costs nothing
     * while no agent wants it. Pusher thread only.
     */
    private void pushServices(Snapshot snapshot) {
        List<AgentSession> wanting = sessions.values().stream().filter(AgentSession::wantsServices).toList();
        if (wanting.isEmpty()) {
            services.reset();
            return;
        }
        var changes = services.advance(snapshot);
        for (AgentSession s : wanting) {
            try {
                s.pushServices(changes, services::whole);
            } catch (RuntimeException e) {
                log.warn("service catalog push to agent {} failed: {}", s.nodeId(), e.toString());
                closeSession(s);
            }
        }
    }

    private void push(AgentSession s, Snapshot snapshot, Map<String, Versioned<Secret>> secrets) {
        try {
            s.push(snapshot, secrets);
        } catch (RuntimeException e) {
            log.warn("push to agent {} failed: {}", s.nodeId(), e.toString());
            closeSession(s);
        }
    }

    /** Ends the stream of {@code nodeId}'s agent, if it has one here (the node was removed). */
    public void disconnect(String nodeId) {
        AgentSession s = sessions.remove(nodeId);
        if (s != null) s.fail(Status.UNAUTHENTICATED.withDescription("node " + nodeId + " was removed from the cluster").asRuntimeException());
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
