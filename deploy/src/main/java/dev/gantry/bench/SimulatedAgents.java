package dev.gantry.bench;

import dev.gantry.api.desired.DesiredSet;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Heartbeat;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import io.grpc.ManagedChannel;
import dev.gantry.api.transport.Transport;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Agents without containers, over the real AgentService: every node opens its own
 * {@code Connect} stream and registers, heartbeats at the interval the scheduler asks for, and
 * reports every allocation it is told to run as running and healthy (each task running, its
 * readiness passing) and every one it is told to stop as complete, once each. A stream that
 * ends (the scheduler stepped down, or dropped the agent) is opened again after a second or
 * two, as a real agent reconnects.
 *
 * <p>Multiplexed so that 5,000 agents fit in one process: the streams share a few HTTP/2
 * connections ({@code channels}; gRPC allows any number of concurrent streams on one) and
 * a small thread pool for their callbacks; heartbeats for all nodes come from one timer
 * thread. The scheduler cannot tell this from separate agents except by their source address.
 *
 * <p>Real agents run on their own machines; these share the scheduler's cores. So that they
 * do not take more of those than receiving needs, an agent that does not report reads of each
 * desired set only what it counts, the allocation ids and desired statuses ({@link DesiredIds}),
 * and skips the rest (the jobs) unparsed; every byte is still received. Reporting agents parse
 * it whole, as they need the jobs' tasks.
 */
final class SimulatedAgents implements AutoCloseable {
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ExecutorService callbacks;
    private final io.netty.channel.EventLoopGroup network;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-agent-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final List<Agent> agents = new ArrayList<>();
    private final CountDownLatch registered;
    private static final int REGISTERING = 64;
    private final java.util.concurrent.Semaphore registering = new java.util.concurrent.Semaphore(REGISTERING);
    private final AtomicLong reports = new AtomicLong();
    private final AtomicLong desiredSets = new AtomicLong();
    private final AtomicLong desiredBytes = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicInteger streamErrors = new AtomicInteger();
    private final AtomicInteger reconnects = new AtomicInteger();

    private final boolean report;
    /** AgentService.Connect with the scheduler's messages left as bytes, for {@link DesiredIds}. */
    private static final io.grpc.MethodDescriptor<AgentMessage, byte[]> CONNECT = AgentServiceGrpc.getConnectMethod()
            .toBuilder(AgentServiceGrpc.getConnectMethod().getRequestMarshaller(), new io.grpc.MethodDescriptor.Marshaller<byte[]>() {
                @Override
                public java.io.InputStream stream(byte[] value) {
                    return new java.io.ByteArrayInputStream(value);
                }

                @Override
                public byte[] parse(java.io.InputStream stream) {
                    try {
                        return stream.readAllBytes();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }).build();

    /** {@code report}: whether agents report what they are sent (false: they only receive it, to measure placement alone). */
    SimulatedAgents(String host, int port, List<Node> nodes, int channelCount, int threads, boolean report) {
        this(host, port, nodes, channelCount, threads, report, null);
    }

    /**
     * {@code identities} non-null: mutual TLS, every agent on a connection of its own that presents
     * the node certificate {@code identities} gives for its node id (node authorization allows a
     * connection to speak for the one node its certificate names); {@code channelCount} is then unused.
     */
    SimulatedAgents(String host, int port, List<Node> nodes, int channelCount, int threads, boolean report,
                    java.util.function.Function<String, Transport> identities) {
        this.report = report;
        callbacks = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sim-agent");
            t.setDaemon(true);
            return t;
        });
        // Event loop threads of their own, so that CPU accounting tells the agents' share from the scheduler's.
        network = new io.netty.channel.nio.NioEventLoopGroup(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "sim-agent-nio");
            t.setDaemon(true);
            return t;
        });
        registered = new CountDownLatch(nodes.size());
        if (identities == null) {
            for (int i = 0; i < channelCount; i++) channels.add(channel(Transport.plaintext(), host, port));
            for (int i = 0; i < nodes.size(); i++) agents.add(new Agent(nodes.get(i), channels.get(i % channelCount)));
        } else {
            for (Node n : nodes) {
                ManagedChannel c = channel(identities.apply(n.getId()), host, port);
                channels.add(c);
                agents.add(new Agent(n, c));
            }
        }
    }

    private ManagedChannel channel(Transport transport, String host, int port) {
        return transport.channel(host, port).executor(callbacks)
                .eventLoopGroup(network).channelType(io.netty.channel.socket.nio.NioSocketChannel.class)
                .maxInboundMessageSize(64 << 20).build();
    }

    /**
     * Opens every stream and registers, {@value #REGISTERING} at a time (as agents of a real
     * cluster come up over a while, not in one instant); returns once the scheduler has
     * acknowledged every node.
     */
    void connect(long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        for (Agent a : agents) {
            if (!registering.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) break;
            a.connect();
        }
        if (!registered.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException(registered.getCount() + " of " + agents.size() + " agents not registered within "
                    + timeoutSeconds + "s (" + streamErrors.get() + " stream errors)");
        }
    }

    boolean reporting() {
        return report;
    }

    long reportsSent() {
        return reports.get();
    }

    long desiredSetsReceived() {
        return desiredSets.get();
    }

    /** Allocations that reached the agent of their node (distinct, each counted once). */
    long delivered() {
        return delivered.get();
    }

    long desiredBytesReceived() {
        return desiredBytes.get();
    }

    int reconnects() {
        return reconnects.get();
    }

    int streamErrors() {
        return streamErrors.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (Agent a : agents) a.close();
        channels.forEach(ManagedChannel::shutdownNow);
        callbacks.shutdownNow();
        network.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** One node: its current stream, what it has reported, and its heartbeat timer. */
    private final class Agent {
        private final Node node;
        private final ManagedChannel channel;
        private StreamObserver<AgentMessage> out;
        private Stream current;
        private ScheduledFuture<?> beats;
        /** Allocation ids already reported, with the status reported. */
        private final Map<String, ClientStatus> reported = new HashMap<>();
        /** Allocation ids ever sent to run here. */
        private final Set<String> seen = new HashSet<>();
        /** Whether the first registration was acknowledged (later ones are reconnections). */
        private boolean acknowledged;
        private boolean closed;

        Agent(Node node, ManagedChannel channel) {
            this.node = node;
            this.channel = channel;
        }

        synchronized void connect() {
            if (closed) return;
            current = new Stream();
            out = io.grpc.stub.ClientCalls.asyncBidiStreamingCall(channel.newCall(CONNECT, io.grpc.CallOptions.DEFAULT), current);
            out.onNext(AgentMessage.newBuilder().setRegister(node.toBuilder().clearStatus().clearEligible())
                    .addFeatures(DesiredSet.FEATURE).build());
        }

        private synchronized void registered(Stream stream, long everyMillis) {
            if (stream != current) return;
            if (!acknowledged) {
                acknowledged = true;
                registered.countDown();
                registering.release();
            }
            if (beats != null) beats.cancel(false);
            // Spread the beats over the interval instead of all nodes at once.
            beats = timer.scheduleAtFixedRate(this::heartbeat, (long) (Math.random() * everyMillis), everyMillis,
                    TimeUnit.MILLISECONDS);
        }

        /** As a real agent does: the stream ended, so connect again after a second or two. */
        private synchronized void ended(Stream stream) {
            if (stream != current) return;
            current = null;
            out = null;
            streamErrors.incrementAndGet();
            if (beats != null) beats.cancel(false);
            if (closed) return;
            // Like a real agent, report everything again on the next stream: reports in flight may be lost.
            reported.clear();
            reconnects.incrementAndGet();
            timer.schedule(this::connect, 1000 + (long) (Math.random() * 1000), TimeUnit.MILLISECONDS);
        }

        /** Counts allocations this node is told to run for the first time: what the scheduler has delivered. */
        private synchronized void received(Stream stream, List<DesiredIds.Entry> desired) {
            if (stream != current) return;
            for (DesiredIds.Entry a : desired) {
                if (a.run() && seen.add(a.id())) delivered.incrementAndGet();
            }
        }

        private synchronized void converge(Stream stream, DesiredAllocations desired) {
            if (stream != current) return;
            Set<String> listed = new HashSet<>();
            for (Assignment a : desired.getAssignmentsList()) {
                String id = a.getAllocation().getId();
                listed.add(id);
                ClientStatus want = a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN
                        ? ClientStatus.CLIENT_RUNNING : ClientStatus.CLIENT_COMPLETE;
                if (reported.get(id) == want) continue;
                reported.put(id, want);
                AllocationUpdate.Builder u = AllocationUpdate.newBuilder().setAllocationId(id).setClientStatus(want);
                for (Task t : a.getJob().getTasksList()) {
                    u.putTaskStates(t.getName(), want == ClientStatus.CLIENT_RUNNING
                            ? TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).setHealthy(true).build()
                            : TaskState.newBuilder().setStatus(TaskStatus.TASK_EXITED).setHasExit(true).build());
                }
                out.onNext(AgentMessage.newBuilder().setUpdate(u).build());
                reports.incrementAndGet();
            }
            reported.keySet().retainAll(listed);
        }

        private synchronized void heartbeat() {
            try {
                if (out != null) out.onNext(AgentMessage.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
            } catch (RuntimeException e) {
                // the stream is gone; its observer reconnects
            }
        }

        synchronized void close() {
            closed = true;
            if (beats != null) beats.cancel(false);
            try {
                if (out != null) out.onCompleted();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }

        /** One Connect stream; callbacks from a stream that was replaced are ignored. */
        private final class Stream implements StreamObserver<byte[]> {
            /** The whole set, rebuilt from this stream's messages; only agents that report need it. */
            private final DesiredSet desired = new DesiredSet();

            @Override
            public void onNext(byte[] raw) {
                try {
                    if (DesiredIds.isDesired(raw) && !report) {
                        desiredSets.incrementAndGet();
                        desiredBytes.addAndGet(raw.length);
                        received(this, DesiredIds.of(raw));
                    } else {
                        onMessage(SchedulerMessage.parseFrom(raw));
                    }
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("undecodable message from the scheduler", e);
                }
            }

            private void onMessage(SchedulerMessage m) {
                if (m.hasRegistered()) {
                    long every = m.getRegistered().hasHeartbeatInterval()
                            ? Math.max(200, m.getRegistered().getHeartbeatInterval().getSeconds() * 1000
                            + m.getRegistered().getHeartbeatInterval().getNanos() / 1_000_000) : 2_000;
                    registered(this, every);
                } else if (m.hasDesired() || m.hasChanges()) {
                    desiredSets.incrementAndGet();
                    desiredBytes.addAndGet(m.getSerializedSize());
                    DesiredAllocations whole = desired.apply(m);
                    received(this, DesiredIds.of(whole));
                    converge(this, whole);
                }
            }

            @Override
            public void onError(Throwable t) {
                ended(this);
            }

            @Override
            public void onCompleted() {
                ended(this);
            }
        }
    }
}
