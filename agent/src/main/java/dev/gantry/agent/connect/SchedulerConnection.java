package dev.gantry.agent.connect;

import dev.gantry.api.desired.DesiredSet;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.Heartbeat;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import io.grpc.ManagedChannel;
import dev.gantry.api.transport.Transport;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps one stream open to a scheduler, trying the given addresses in turn with backoff.
 * After every (re)connect it registers and resends the latest report of every allocation, so
 * nothing depends on a message having been delivered before. Reports are latest-wins per
 * allocation. It accepts desired-set changes; each stream rebuilds the whole set from them
 * ({@link DesiredSet}), which goes to {@code onDesired} on the gRPC thread, in order; likewise
 * the service catalog to {@code onServices}.
 */
public final class SchedulerConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerConnection.class);
    private static final long DEFAULT_HEARTBEAT_MILLIS = 2_000;
    private static final long HEARTBEAT_TICK_MILLIS = 100;
    /** Announced to get {@link ServiceCatalogUpdate}s (see services.proto). */
    static final String SERVICES_FEATURE = "service-catalog";

    private final List<String> addresses;
    private final Supplier<Node> registration;
    private final Consumer<DesiredAllocations> onDesired;
    private final Supplier<List<AllocationUpdate>> currentReports;
    private final Consumer<ServiceCatalogUpdate> onServices;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-connection");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, AllocationUpdate> unsent = new ConcurrentHashMap<>();

    private ManagedChannel channel;
    private volatile StreamObserver<AgentMessage> stream;
    private final Transport transport;
    private int attempt;
    private volatile boolean registered;
    private volatile long heartbeatMillis = DEFAULT_HEARTBEAT_MILLIS;
    private long lastHeartbeat;
    private volatile boolean closed;

    public SchedulerConnection(List<String> addresses, Transport transport, Supplier<Node> registration,
                               Consumer<DesiredAllocations> onDesired, Supplier<List<AllocationUpdate>> currentReports) {
        this(addresses, transport, registration, onDesired, currentReports, null);
    }

    /**
     * @param onServices receives the service catalog (whole first on every stream, then changes) for
     *                   the DNS server, on the gRPC thread; null: the agent does not ask for it
     */
    public SchedulerConnection(List<String> addresses, Transport transport, Supplier<Node> registration,
                               Consumer<DesiredAllocations> onDesired, Supplier<List<AllocationUpdate>> currentReports,
                               Consumer<ServiceCatalogUpdate> onServices) {
        if (addresses.isEmpty()) throw new IllegalArgumentException("no scheduler address given");
        this.onServices = onServices;
        this.addresses = List.copyOf(addresses);
        this.transport = transport;
        this.registration = registration;
        this.onDesired = onDesired;
        this.currentReports = currentReports;
    }

    public void start() {
        timer.execute(this::connect);
        timer.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT_TICK_MILLIS, HEARTBEAT_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public boolean isRegistered() {
        return registered;
    }

    /** Queues a report; sent now if connected, else after the next registration. */
    /**
     * Queues a state change for the schedulers. After {@link #close()} it is dropped: a stopping
     * agent (`gantry dev` stopping its containers) must get on with stopping, not fail here.
     */
    public void report(AllocationUpdate u) {
        if (closed) return;
        unsent.put(u.getAllocationId(), u);
        try {
            timer.execute(this::flush);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile: nobody to send it to
        }
    }

    private void connect() {
        if (closed) return;
        String address = addresses.get(attempt % addresses.size());
        attempt++;
        if (channel != null) channel.shutdownNow();
        channel = transport.channel(address)
                .keepAliveTime(10, TimeUnit.SECONDS).keepAliveWithoutCalls(true).build();
        DesiredSet desired = new DesiredSet();
        stream = AgentServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(SchedulerMessage m) {
                switch (m.getBodyCase()) {
                    case REGISTERED -> {
                        var hb = m.getRegistered().getHeartbeatInterval();
                        long millis = hb.getSeconds() * 1000 + hb.getNanos() / 1_000_000;
                        heartbeatMillis = millis > 0 ? millis : DEFAULT_HEARTBEAT_MILLIS;
                        registered = true;
                        attempt = 0;
                        log.info("registered with scheduler {} as node {}", address, m.getRegistered().getNodeId());
                        currentReports.get().forEach(u -> unsent.putIfAbsent(u.getAllocationId(), u));
                        timer.execute(SchedulerConnection.this::flush);
                    }
                    case DESIRED, CHANGES -> {
                        DesiredAllocations whole;
                        try {
                            whole = desired.apply(m);
                        } catch (IllegalStateException e) {
                            // Nothing to apply the changes to: a new stream starts with the whole set.
                            log.error("scheduler {} broke the protocol ({}); reconnecting", address, e.getMessage());
                            StreamObserver<AgentMessage> broken = stream;
                            timer.execute(() -> cancel(broken, address));
                            return;
                        }
                        try {
                            onDesired.accept(whole);
                        } catch (RuntimeException e) {
                            log.error("applying desired state failed", e);
                        }
                    }
                    case SERVICES -> {
                        if (onServices == null) return;
                        try {
                            onServices.accept(m.getServices());
                        } catch (RuntimeException e) {
                            log.error("applying the service catalog failed", e);
                        }
                    }
                    default -> { }
                }
            }

            @Override
            public void onError(Throwable t) {
                lost(address, t.getMessage());
            }

            @Override
            public void onCompleted() {
                lost(address, "stream closed by scheduler");
            }
        });
        AgentMessage.Builder register = AgentMessage.newBuilder().setRegister(registration.get()).addFeatures(DesiredSet.FEATURE);
        if (onServices != null) register.addFeatures(SERVICES_FEATURE);
        stream.onNext(register.build());
    }

    /** Cancels a stream; its observer then reconnects as after any loss. */
    private static void cancel(StreamObserver<AgentMessage> stream, String address) {
        try {
            if (stream != null) stream.onError(io.grpc.Status.CANCELLED.withDescription("protocol error from " + address).asRuntimeException());
        } catch (RuntimeException ignored) {
            // already broken
        }
    }

    private void lost(String address, String why) {
        if (closed) return;
        boolean was = registered;
        registered = false;
        long delay = Math.min(5_000, 200L * (1L << Math.min(attempt, 5)));
        if (was || attempt <= 1) log.warn("lost scheduler {} ({}); reconnecting", address, why);
        timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    private void flush() {
        if (!registered || stream == null) return;
        for (String id : List.copyOf(unsent.keySet())) {
            AllocationUpdate u = unsent.remove(id);
            if (u == null) continue;
            try {
                stream.onNext(AgentMessage.newBuilder().setUpdate(u).build());
            } catch (RuntimeException e) {
                unsent.putIfAbsent(id, u);
                return;
            }
        }
    }

    /** Runs every tick on the timer thread; sends when the scheduler's interval has passed. */
    private void heartbeat() {
        if (!registered || stream == null) return;
        long now = System.nanoTime();
        if (now - lastHeartbeat < TimeUnit.MILLISECONDS.toNanos(heartbeatMillis)) return;
        lastHeartbeat = now;
        try {
            stream.onNext(AgentMessage.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
        } catch (RuntimeException e) {
            log.debug("heartbeat failed: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        timer.execute(() -> {
            try {
                if (stream != null) stream.onCompleted();
            } catch (RuntimeException ignored) {
                // already broken
            }
            if (channel != null) channel.shutdownNow();
        });
        timer.shutdown();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
