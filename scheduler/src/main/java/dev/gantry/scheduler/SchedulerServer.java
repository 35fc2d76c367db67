package dev.gantry.scheduler;

import dev.gantry.scheduler.eval.EvaluationLoop;
import dev.gantry.scheduler.eval.Evaluator;
import dev.gantry.scheduler.liveness.Heartbeats;
import dev.gantry.scheduler.liveness.LivenessLoop;
import dev.gantry.scheduler.service.AgentServiceImpl;
import dev.gantry.scheduler.service.AllocationServiceImpl;
import dev.gantry.scheduler.service.JobServiceImpl;
import dev.gantry.scheduler.service.NodeServiceImpl;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Store;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Wires one scheduler replica: the watch-fed state cache, the evaluation and liveness loops
 * and the gRPC services, over a given store. Today there is a single replica and it always leads; leader
 * election arrives with HA schedulers.
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

    private SchedulerServer(Store store, ClusterState state, EvaluationLoop loop, LivenessLoop liveness,
                            AgentServiceImpl agents, Server server, HealthEndpoint health) {
        this.store = store;
        this.state = state;
        this.loop = loop;
        this.liveness = liveness;
        this.agents = agents;
        this.server = server;
        this.health = health;
    }

    /** {@code nodeTtl}: how long a node may go unheard before it is marked down (at least 2 s). */
    public record Config(String bindHost, int grpcPort, int httpPort, String keyPrefix, Duration nodeTtl) {
        public Config {
            if (nodeTtl.compareTo(LivenessLoop.MIN_TTL) < 0) {
                throw new IllegalArgumentException("node TTL must be at least " + LivenessLoop.MIN_TTL.toSeconds() + "s, got " + nodeTtl);
            }
        }

        public Config(String bindHost, int grpcPort, int httpPort, String keyPrefix) {
            this(bindHost, grpcPort, httpPort, keyPrefix, LivenessLoop.DEFAULT_TTL);
        }

        public static Config defaults() {
            return new Config("0.0.0.0", 7420, 7421, "/gantry/");
        }

        public Config withNodeTtl(Duration ttl) {
            return new Config(bindHost, grpcPort, httpPort, keyPrefix, ttl);
        }
    }

    public static SchedulerServer start(Store store, Config config) throws IOException {
        Keys keys = new Keys(config.keyPrefix());
        Clock clock = Clock.systemUTC();
        ClusterState state = new ClusterState(store, keys);
        try {
            state.start().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            state.close();
            throw new IOException("cannot load cluster state from the store: " + e.getMessage(), e);
        }
        // One replica, always leading, until leader election arrives; every decider asks this.
        BooleanSupplier isLeader = () -> true;
        EvaluationLoop loop = new EvaluationLoop(state, store, new Evaluator(keys, clock, () -> UUID.randomUUID().toString()), isLeader);
        Heartbeats heartbeats = new Heartbeats();
        LivenessLoop liveness = new LivenessLoop(state, store, keys, heartbeats, config.nodeTtl(), clock, isLeader);
        AgentServiceImpl agents = new AgentServiceImpl(state, store, keys, clock, heartbeats,
                AgentServiceImpl.heartbeatIntervalFor(config.nodeTtl()));
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(config.bindHost(), config.grpcPort()))
                .addService(new JobServiceImpl(state, store, keys, clock))
                .addService(new AllocationServiceImpl(state))
                .addService(new NodeServiceImpl(state, store, keys, clock))
                .addService(agents)
                .addService(ProtoReflectionServiceV1.newInstance())
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build()
                .start();
        HealthEndpoint health = config.httpPort() >= 0
                ? HealthEndpoint.start(config.bindHost(), config.httpPort(), store) : null;
        loop.start();
        liveness.start();
        log.info("scheduler serving gRPC on {}:{}; nodes unheard for {}s are marked down",
                config.bindHost(), server.getPort(), config.nodeTtl().toSeconds());
        return new SchedulerServer(store, state, loop, liveness, agents, server, health);
    }

    public int grpcPort() {
        return server.getPort();
    }

    public int connectedAgents() {
        return agents.connectedAgents();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        liveness.close();
        loop.close();
        agents.close();
        server.shutdown();
        try {
            if (!server.awaitTermination(3, TimeUnit.SECONDS)) server.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        if (health != null) health.close();
        state.close();
    }
}
