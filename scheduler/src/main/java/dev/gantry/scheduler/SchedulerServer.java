package dev.gantry.scheduler;

import dev.gantry.scheduler.eval.EvaluationLoop;
import dev.gantry.scheduler.history.JobHistory;
import dev.gantry.scheduler.eval.AllocationRetention;
import dev.gantry.scheduler.eval.Evaluator;
import dev.gantry.scheduler.leader.LeaderElection;
import dev.gantry.scheduler.liveness.Heartbeats;
import dev.gantry.scheduler.liveness.LivenessLoop;
import dev.gantry.scheduler.placement.PlacementSettings;
import dev.gantry.scheduler.service.AgentServiceImpl;
import dev.gantry.scheduler.service.AllocationServiceImpl;
import dev.gantry.scheduler.service.EventServiceImpl;
import dev.gantry.scheduler.health.StoreHealth;
import dev.gantry.scheduler.service.JobServiceImpl;
import dev.gantry.scheduler.service.AclServiceImpl;
import dev.gantry.scheduler.service.ClusterServiceImpl;
import dev.gantry.scheduler.service.JoinTokenServiceImpl;
import dev.gantry.scheduler.service.LogsProxy;
import dev.gantry.scheduler.security.SchedulerSecurity;
import dev.gantry.scheduler.security.AuditLog;
import dev.gantry.scheduler.service.NodeServiceImpl;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Store;
import io.grpc.Server;
import dev.gantry.api.transport.Transport;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Wires one scheduler replica: the watch-fed state cache, the leader election, the evaluation
 * and liveness loops and the gRPC services, over a given store. Every replica serves the API and
 * agent streams; only the elected leader decides, and its decision writes are fenced on the
 * leader key's revision. On the in-memory store there is one replica and it wins at once.
 */
public final class SchedulerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerServer.class);

    private final Store store;
    private final ClusterState state;
    private final EvaluationLoop loop;
    private final LivenessLoop liveness;
    private final AgentServiceImpl agents;
    private final Server server;
    private final HealthEndpoint health;
    private final StoreHealth storeHealth;
    private final EventServiceImpl events;
    private final LeaderElection election;
    private final LogsProxy logs;
    /** Null on a plaintext replica. */
    private final SchedulerSecurity security;
    /** Null on a plaintext replica. */
    private final AuditLog audit;

    private SchedulerServer(Store store, ClusterState state, EvaluationLoop loop, LivenessLoop liveness,
                            AgentServiceImpl agents, Server server, HealthEndpoint health, LeaderElection election,
                            StoreHealth storeHealth, EventServiceImpl events, LogsProxy logs, SchedulerSecurity security,
                            AuditLog audit) {
        this.audit = audit;
        this.logs = logs;
        this.security = security;
        this.storeHealth = storeHealth;
        this.events = events;
        this.election = election;
        this.store = store;
        this.state = state;
        this.loop = loop;
        this.liveness = liveness;
        this.agents = agents;
        this.server = server;
        this.health = health;
    }

    /**
     * {@code nodeTtl}: how long a node may go unheard before it is marked down (at least 2 s);
     * {@code leaderTtl}: the leader lease, i.e. how long a dead leader goes unreplaced (at least 2 s);
     * {@code placement}: how the evaluator (and `gantry plan`) choose nodes. Only the leader decides, so
     * every replica should be given the same settings.
     */
    public record Config(String bindHost, int grpcPort, int httpPort, String keyPrefix, Duration nodeTtl, Duration leaderTtl,
                         int keepVersions, PlacementSettings placement) {
        public Config {
            if (placement == null) throw new IllegalArgumentException("placement settings are required");
            if (keepVersions < 1) throw new IllegalArgumentException("keep at least 1 job version, got " + keepVersions);
            if (nodeTtl.compareTo(LivenessLoop.MIN_TTL) < 0) {
                throw new IllegalArgumentException("node TTL must be at least " + LivenessLoop.MIN_TTL.toSeconds() + "s, got " + nodeTtl);
            }
            if (leaderTtl.compareTo(LeaderElection.MIN_TTL) < 0) {
                throw new IllegalArgumentException("leader TTL must be at least " + LeaderElection.MIN_TTL.toSeconds() + "s, got " + leaderTtl);
            }
        }

        /** Default TTLs, versions kept and placement; change them with the {@code with...} methods. */
        public Config(String bindHost, int grpcPort, int httpPort, String keyPrefix) {
            this(bindHost, grpcPort, httpPort, keyPrefix, LivenessLoop.DEFAULT_TTL, LeaderElection.DEFAULT_TTL,
                    JobHistory.DEFAULT_KEEP, PlacementSettings.defaults());
        }

        public static Config defaults() {
            return new Config("0.0.0.0", 7420, 7421, "/gantry/");
        }

        public Config withNodeTtl(Duration ttl) {
            return new Config(bindHost, grpcPort, httpPort, keyPrefix, ttl, leaderTtl, keepVersions, placement);
        }

        public Config withLeaderTtl(Duration ttl) {
            return new Config(bindHost, grpcPort, httpPort, keyPrefix, nodeTtl, ttl, keepVersions, placement);
        }

        /** How many versions of each job are kept for `gantry history` and undo. */
        public Config withKeepVersions(int keep) {
            return new Config(bindHost, grpcPort, httpPort, keyPrefix, nodeTtl, leaderTtl, keep, placement);
        }

        /** Bin-packing or spreading, and the candidate limits; the leader's settings decide. */
        public Config withPlacement(PlacementSettings settings) {
            return new Config(bindHost, grpcPort, httpPort, keyPrefix, nodeTtl, leaderTtl, keepVersions, settings);
        }
    }

    public static SchedulerServer start(Store store, Config config) throws IOException {
        return start(store, config, Transport.plaintext());
    }

    /** {@code transport}: how the gRPC port is secured (see {@link Transport}); no authentication. */
    public static SchedulerServer start(Store store, Config config, Transport transport) throws IOException {
        return start(store, config, transport, null);
    }

    /**
     * A secure replica: opens (or creates) the cluster CA, serves TLS 1.3 only on both ports, and
     * authenticates and authorizes every call (see {@link dev.gantry.scheduler.security.PermissionTable}).
     */
    public static SchedulerServer start(Store store, Config config, SchedulerSecurity.Settings settings) throws IOException {
        SchedulerSecurity security = SchedulerSecurity.open(store, new Keys(config.keyPrefix()), settings, config.bindHost(),
                Clock.systemUTC());
        try {
            return start(store, config, security.transport(), security);
        } catch (IOException | RuntimeException e) {
            security.close();
            throw e;
        }
    }

    private static SchedulerServer start(Store store, Config config, Transport transport, SchedulerSecurity security)
            throws IOException {
        Keys keys = new Keys(config.keyPrefix());
        Clock clock = Clock.systemUTC();
        ClusterState state = new ClusterState(store, keys);
        try {
            state.start().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            state.close();
            throw new IOException("cannot load cluster state from the store: " + e.getMessage(), e);
        }
        Heartbeats heartbeats = new Heartbeats();
        // One cached store probe for /healthz and the API's `degraded` fields: neither may block on a hung store.
        StoreHealth storeHealth = StoreHealth.of(store, clock).start(StoreHealth.DEFAULT_INTERVAL);
        EventServiceImpl events = new EventServiceImpl(state, clock);
        JobHistory history = new JobHistory(store, keys, clock, config.keepVersions());
        // The gRPC server binds first so that the leader key can name the port agents and the CLI reach.
        Server server;
        LeaderElection election;
        EvaluationLoop loop;
        LivenessLoop liveness;
        AgentServiceImpl agents = new AgentServiceImpl(state, store, keys, clock, heartbeats,
                AgentServiceImpl.heartbeatIntervalFor(config.nodeTtl()));
        LogsProxy logs = new LogsProxy(state, transport);
        AuditLog audit = null;
        try {
            var builder = transport.server(new InetSocketAddress(config.bindHost(), config.grpcPort()));
            if (security != null) {
                audit = new AuditLog(store, keys, AuditLog.DEFAULT_KEEP).start();
                audit.addListener(events::publishAudit);
                builder.intercept(security.authenticator(allocationId -> {
                    var a = state.snapshot().allocations().get(allocationId);
                    return a == null ? null : a.value().getNamespace();
                }, clock, audit));
                builder.addService(new ClusterServiceImpl(state, store, keys, clock, security.pki(),
                                security.nodeCertLifetime(), agents::disconnect))
                        .addService(new JoinTokenServiceImpl(store, keys, clock, security.pki(), security.records()))
                        .addService(new AclServiceImpl(store, keys, clock, security.records()));
            }
            server = builder
                    .addService(logs)
                    .addService(new JobServiceImpl(state, store, keys, clock, history, storeHealth::degraded, config.placement()))
                    .addService(events)
                    .addService(new AllocationServiceImpl(state))
                    .addService(new NodeServiceImpl(state, store, keys, clock))
                    .addService(new dev.gantry.scheduler.service.SecretServiceImpl(state, store, keys, clock))
                    .addService(new dev.gantry.scheduler.service.NamespaceServiceImpl(state,
                            new dev.gantry.scheduler.admission.Namespaces(store, keys, clock)))
                    .addService(agents)
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .permitKeepAliveTime(5, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    .build()
                    .start();
        } catch (IOException | RuntimeException e) {
            if (audit != null) audit.close();
            agents.close();
            logs.close();
            state.close();
            storeHealth.close();
            throw e;
        }
        election = new LeaderElection(store, keys.leader(), replicaName(config, server.getPort()), config.leaderTtl(), clock);
        loop = new EvaluationLoop(state, store, new Evaluator(keys, clock, () -> UUID.randomUUID().toString(),
                AllocationRetention.DEFAULT, config.placement()),
                election::isLeader, election::fence).withHistory(history);
        liveness = new LivenessLoop(state, store, keys, heartbeats, config.nodeTtl(), clock, election::isLeader, election::fence);
        // A new leader evaluates at once instead of at the next periodic pass.
        election.addListener(loop::trigger);
        agents.acceptOnlyWhileLeader(election::isLeader, election::leaderId);
        election.addListener(agents::onLeadershipChange);
        HealthEndpoint health;
        try {
            health = config.httpPort() >= 0 ? HealthEndpoint.start(config.bindHost(), config.httpPort(), storeHealth,
                    () -> election.isLeader() ? "leader" : "standby", security == null ? null : security.keys()) : null;
        } catch (IOException | RuntimeException e) {
            agents.close();
            server.shutdownNow();
            state.close();
            storeHealth.close();
            throw e;
        }
        loop.start();
        liveness.start();
        election.start();
        try {
            election.awaitFirstCampaign(config.leaderTtl());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("scheduler serving gRPC on {}:{}; nodes unheard for {}s are marked down; leader lease {}s",
                config.bindHost(), server.getPort(), config.nodeTtl().toSeconds(), config.leaderTtl().toSeconds());
        return new SchedulerServer(store, state, loop, liveness, agents, server, health, election, storeHealth, events, logs, security, audit);
    }

    /** What the leader key holds while this replica leads: a unique id and the address to reach it at. */
    private static String replicaName(Config config, int port) {
        String host = config.bindHost();
        if ("0.0.0.0".equals(host) || "::".equals(host)) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return UUID.randomUUID().toString().substring(0, 8) + "@" + host + ":" + port;
    }

    /** Whether this replica leads now (it decides; the others only serve). */
    public boolean isLeader() {
        return election.isLeader();
    }

    /** The leader this replica last saw, as {@code id@host:port}. */
    public java.util.Optional<String> leader() {
        return election.leaderId();
    }

    /** The cluster CA's certificate; empty on a plaintext replica. */
    public java.util.Optional<java.security.cert.X509Certificate> caCertificate() {
        return java.util.Optional.ofNullable(security).map(SchedulerSecurity::caCertificate);
    }

    /** A new join token for agents (`gantry dev` makes one for its own agent); secure replicas only. */
    public String createJoinToken(Duration ttl) throws IOException {
        if (security == null) throw new IllegalStateException("a plaintext scheduler has no join tokens");
        return security.createJoinToken(ttl);
    }

    /** Bootstraps ACLs: the management token's secret, or empty when done before (`gantry dev`); secure replicas only. */
    public java.util.Optional<String> bootstrapAcl() throws IOException {
        if (security == null) throw new IllegalStateException("a plaintext scheduler has no ACLs");
        return security.bootstrapAcl();
    }

    /** The services this replica serves (tests walk them against the permission table). */
    java.util.List<io.grpc.ServerServiceDefinition> services() {
        return server.getServices();
    }

    public int grpcPort() {
        return server.getPort();
    }

    public int connectedAgents() {
        return agents.connectedAgents();
    }

    /** Open `gantry events` streams on this replica. */
    public int openEventStreams() {
        return events.openStreams();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /** Stops this replica as a crash would: no resignation, so a standby waits out the lease. For failover tests. */
    void halt() {
        liveness.close();
        loop.close();
        election.abandon();
        state.close();
        agents.close();
        server.shutdownNow();
        if (health != null) health.close();
        storeHealth.close();
        logs.close();
        if (audit != null) audit.close();
        if (security != null) security.close();
    }

    @Override
    public void close() {
        // Stop deciding first, then hand over at once instead of letting the lease run out.
        liveness.close();
        loop.close();
        election.close();
        // Stop the cache's watch before its listeners (the agent pusher) shut down.
        state.close();
        agents.close();
        events.close();
        server.shutdown();
        try {
            if (!server.awaitTermination(3, TimeUnit.SECONDS)) server.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        if (health != null) health.close();
        storeHealth.close();
        logs.close();
        if (audit != null) audit.close();
        if (security != null) security.close();
    }
}
