package dev.gantry.agent.health;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Check;
import dev.gantry.api.v1.Task;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the checks of one task while one container of it runs (a restart gets a new monitor,
 * so thresholds start over). Readiness checks decide {@link #health()}; a liveness check
 * that turns failing calls {@code onLivenessFailure} once and the monitor stops probing: the
 * caller kills the container and the restart policy decides what follows.
 *
 * <p>Http and tcp checks probe the task from the node (host network); exec checks run their
 * command in the task's container through its driver.
 *
 * <p>Callbacks run on a probe thread, never under the monitor's lock. Thread-safe.
 */
public final class HealthMonitor implements AutoCloseable {
    /** Readiness of the task: healthy, or why not. */
    public record Health(boolean healthy, String message) {
    }

    private record Entry(String name, Check check, CheckPolicy policy, CheckState state, Probe probe) {
        boolean readiness() {
            return !check.getKind().equals("liveness");
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Runnable onHealthChange;
    private final Consumer<String> onLivenessFailure;
    private final List<ScheduledFuture<?>> pending = new ArrayList<>();
    private Health reported;
    private boolean closed;

    /**
     * @param ports the allocation's ports: checks name a port, the probe uses its number
     * @param host  where the task listens (host network: the node's address)
     * @param container the running container, for exec checks
     */
    public HealthMonitor(Task task, List<AllocatedPort> ports, String host, ExecProbe.Container container,
                         ScheduledExecutorService scheduler, Clock clock, Runnable onHealthChange,
                         Consumer<String> onLivenessFailure) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.onHealthChange = onHealthChange;
        this.onLivenessFailure = onLivenessFailure;
        Instant started = clock.instant();
        for (int i = 0; i < task.getChecksCount(); i++) {
            Check c = task.getChecks(i);
            String name = c.getName().isEmpty() ? c.getKind() + "-" + i : c.getName();
            Entry e = new Entry(name, c, CheckPolicy.of(c), new CheckState(CheckPolicy.of(c), started,
                    c.getKind().equals("liveness")), probeFor(c, ports, host, container));
            entries.add(e);
        }
        this.reported = health();
    }

    /** The probe a check asks for. */
    static Probe probeFor(Check c, List<AllocatedPort> ports, String host, ExecProbe.Container container) {
        if (c.getType().equals("exec")) return new ExecProbe(container, c.getCommandList());
        Integer port = ports.stream().filter(p -> p.getName().equals(c.getPort())).map(AllocatedPort::getValue)
                .findFirst().orElse(null);
        if (port == null) return timeout -> ProbeResult.fail("no port named \"" + c.getPort() + "\" is allocated");
        String h = host == null || host.isEmpty() ? "127.0.0.1" : host;
        return c.getType().equals("tcp") ? new TcpProbe(h, port) : new HttpProbe(h, port, c.getPath());
    }

    public boolean hasChecks() {
        return !entries.isEmpty();
    }

    /** Starts probing; each check runs first after its initial delay, then every interval. */
    public synchronized void start() {
        for (Entry e : entries) schedule(e);
    }

    /** Healthy when every readiness check passes (so: when there are none). */
    public synchronized Health health() {
        for (Entry e : entries) {
            if (!e.readiness()) continue;
            if (!e.state().passing()) {
                return new Health(false, "readiness check " + e.name() + " failing: " + e.state().detail());
            }
        }
        return new Health(true, "");
    }

    private void schedule(Entry e) {
        if (closed) return;
        long delay = Math.max(0, Duration.between(clock.instant(), e.state().nextProbeAt()).toMillis());
        pending.removeIf(ScheduledFuture::isDone);
        pending.add(scheduler.schedule(() -> tick(e), delay, TimeUnit.MILLISECONDS));
    }

    private void tick(Entry e) {
        synchronized (this) {
            if (closed) return;
        }
        ProbeResult result = e.probe().probe(e.policy().timeout());
        boolean livenessFailed;
        Health changed = null;
        synchronized (this) {
            if (closed) return;
            boolean flipped = e.state().record(result, clock.instant());
            livenessFailed = !e.readiness() && flipped && !e.state().passing();
            if (livenessFailed) {
                closeLocked();
            } else {
                Health now = health();
                if (!now.equals(reported)) {
                    reported = now;
                    changed = now;
                }
                schedule(e);
            }
        }
        if (livenessFailed) {
            onLivenessFailure.accept("liveness check " + e.name() + " failed: " + result.detail());
        } else if (changed != null) {
            onHealthChange.run();
        }
    }

    /** Stops probing. Idempotent; a probe in flight finishes but its result is dropped. */
    @Override
    public synchronized void close() {
        closeLocked();
    }

    private void closeLocked() {
        closed = true;
        pending.forEach(f -> f.cancel(false));
        pending.clear();
    }
}
