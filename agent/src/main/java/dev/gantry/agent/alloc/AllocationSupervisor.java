package dev.gantry.agent.alloc;

import dev.gantry.agent.driver.ContainerInventory;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.network.AllocationNetwork;
import dev.gantry.agent.network.HostNetwork;
import dev.gantry.agent.network.NetworkOrphans;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.AllocationUpdate;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Makes this node run exactly what the scheduler wants: starts allocations it is given,
 * stops those marked to stop and those no longer listed. Re-adopts the containers of an
 * earlier agent process from local state. Desired sets are applied one at a time.
 */
public final class AllocationSupervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AllocationSupervisor.class);

    private final Map<String, TaskDriver> drivers;
    private final ImageResolver images;
    private final LocalState local;
    private final NodeContext node;
    private final Clock clock;
    private final Consumer<AllocationUpdate> reporter;
    private final AllocationNetwork network;
    private final Map<String, AllocationRunner> runners = new ConcurrentHashMap<>();
    private final PullSecrets pullSecrets = new PullSecrets();
    private final ExecutorService stopper = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "alloc-stop");
        t.setDaemon(true);
        return t;
    });

    public AllocationSupervisor(Map<String, TaskDriver> drivers, ImageResolver images, LocalState local, NodeContext node,
                                Clock clock, Consumer<AllocationUpdate> reporter) {
        this(drivers, images, local, node, clock, reporter, new HostNetwork());
    }

    /** @param network sets up and tears down each allocation's network (by its job's mode) */
    public AllocationSupervisor(Map<String, TaskDriver> drivers, ImageResolver images, LocalState local, NodeContext node,
                                Clock clock, Consumer<AllocationUpdate> reporter, AllocationNetwork network) {
        this.network = network;
        this.drivers = Map.copyOf(drivers);
        this.images = images;
        this.local = local;
        this.node = node;
        this.clock = clock;
        this.reporter = reporter;
    }

    /** Re-attaches to the allocations an earlier agent process ran; containers that vanished start again. */
    public synchronized void recover() {
        for (LocalState.Recovered r : local.recover()) {
            Map<String, TaskHandle> alive = new HashMap<>();
            r.handles().forEach((task, h) -> {
                TaskDriver d = drivers.get(h.driver());
                try {
                    if (d != null && d.recover(h)) alive.put(task, h);
                } catch (DriverException e) {
                    log.warn("cannot recover {}: {}", h.containerId(), e.getMessage());
                }
            });
            log.info("re-adopting allocation {} ({} of {} containers found)", r.assignment().getAllocation().getId(),
                    alive.size(), r.handles().size());
            AllocationRunner runner = newRunner(r.assignment(), alive, r.states());
            runners.put(runner.id(), runner);
            runner.start();
        }
    }

    public synchronized void apply(DesiredAllocations desired) {
        pullSecrets.update(desired);
        Set<String> listed = new HashSet<>();
        for (Assignment a : desired.getAssignmentsList()) {
            String id = a.getAllocation().getId();
            listed.add(id);
            AllocationRunner runner = runners.get(id);
            boolean wantRun = a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN;
            if (runner == null && wantRun) {
                if (!a.hasJob()) {
                    log.warn("allocation {} arrived without its job; skipping", id);
                    continue;
                }
                // Secrets stay in memory: what is saved is enough to re-adopt, not to pull.
                local.saveAssignment(a.toBuilder().clearImagePullSecrets().build());
                runner = newRunner(a, Map.of(), Map.of());
                runners.put(id, runner);
                log.info("starting allocation {} ({}/{} replica {})", id, a.getAllocation().getNamespace(),
                        a.getAllocation().getJob(), a.getAllocation().getIndex());
                runner.start();
            } else if (runner != null && !wantRun) {
                stop(runner);
            } else if (runner == null) {
                // Asked to stop something we do not run (lost with an earlier agent, say): it is stopped.
                reporter.accept(AllocationUpdate.newBuilder().setAllocationId(id)
                        .setClientStatus(ClientStatus.CLIENT_COMPLETE).setMessage("not running on this node").build());
            }
        }
        for (AllocationRunner r : List.copyOf(runners.values())) {
            if (listed.contains(r.id())) continue;
            if (r.isReleased() && terminal(r.clientStatus())) {
                runners.remove(r.id());
            } else {
                stop(r);
            }
        }
    }

    private void stop(AllocationRunner r) {
        if (r.isStopped()) return;
        log.info("stopping allocation {}", r.id());
        r.stop();
    }

    private static boolean terminal(ClientStatus s) {
        return s == ClientStatus.CLIENT_COMPLETE || s == ClientStatus.CLIENT_FAILED;
    }

    private AllocationRunner newRunner(Assignment a, Map<String, TaskHandle> handles, Map<String, TaskState> states) {
        return new AllocationRunner(a.getAllocation(), a.getJob(), this::driverFor,
                pullSecrets.resolverFor(a.getAllocation(), images), local, node, clock,
                handles, states, this::report, stopper, network);
    }

    /**
     * Destroys every container a driver holds that no known allocation owns (ids are
     * {@code <allocId>-<task>}): leftovers of a crash between creating a container and saving
     * its handle, or of an allocation forgotten mid-stop. Call after {@link #recover()} and
     * before taking new work; under this lock no allocation can appear meanwhile. Logs are kept.
     * Returns the ids removed.
     */
    public synchronized List<String> removeOrphanContainers() {
        Set<String> owned = new HashSet<>();
        for (AllocationRunner r : runners.values()) {
            for (Task t : r.job().getTasksList()) owned.add(r.id() + "-" + t.getName());
        }
        List<String> removed = new java.util.ArrayList<>();
        for (TaskDriver d : drivers.values()) {
            if (!(d instanceof ContainerInventory inventory)) continue;
            List<String> ids;
            try {
                ids = inventory.containerIds();
            } catch (DriverException e) {
                log.warn("cannot list the containers of driver {}: {}", d.name(), e.getMessage());
                continue;
            }
            for (String id : ids) {
                if (owned.contains(id)) continue;
                try {
                    d.destroy(new TaskHandle(d.name(), id, Map.of()));
                    log.info("removed orphaned container {} (driver {}): no allocation on this node owns it", id, d.name());
                    removed.add(id);
                } catch (DriverException e) {
                    log.warn("cannot remove orphaned container {}: {}", id, e.getMessage());
                }
            }
        }
        return removed;
    }

    /**
     * Tears down every allocation network on this node that no known allocation owns (an
     * allocation stopped while no agent ran, or a crash mid-set-up). Call with
     * {@link #removeOrphanContainers()}, after {@link #recover()}. Returns the namespaces removed.
     */
    public synchronized List<String> removeOrphanNetworks() {
        if (!(network instanceof NetworkOrphans orphans)) return List.of();
        return orphans.removeOrphans(Set.copyOf(runners.keySet()));
    }

    private void report(AllocationUpdate u) {
        AllocationRunner r = runners.get(u.getAllocationId());
        // Forget a stopped allocation only once its containers and network are gone, so a crash mid-stop re-adopts them.
        if (r != null && r.isReleased() && terminal(u.getClientStatus())) {
            local.forget(u.getAllocationId());
        }
        reporter.accept(u);
    }

    /** The driver a task names; without a name, runc if this node has it, else its first driver. */
    private TaskDriver driverFor(Task t) {
        if (t.getDriver().isEmpty()) return drivers.getOrDefault("runc", drivers.values().iterator().next());
        TaskDriver d = drivers.get(t.getDriver());
        return d != null ? d : new UnavailableDriver(t.getDriver(), drivers.keySet());
    }

    /** Current reports of every allocation, to resend after reconnecting. */
    public synchronized List<AllocationUpdate> currentReports() {
        return runners.values().stream().map(AllocationRunner::currentReport).toList();
    }

    /** Stops every allocation on this node and waits (up to {@code timeout}) until their containers are gone. */
    public void stopAll(java.time.Duration timeout) throws InterruptedException {
        apply(DesiredAllocations.getDefaultInstance());
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            boolean done = runners.values().stream().allMatch(r -> r.isReleased() && terminal(r.clientStatus()));
            if (done) return;
            Thread.sleep(50);
        }
        log.warn("some allocations did not stop within {}", timeout);
    }

    /**
     * The images, as their tasks name them, of every allocation this node runs, starts or still
     * stops: what image garbage collection must keep.
     */
    public Set<String> imagesInUse() {
        Set<String> images = new HashSet<>();
        for (AllocationRunner r : runners.values()) {
            for (Task t : r.job().getTasksList()) images.add(t.getImage());
        }
        return images;
    }

    public int runningAllocations() {
        return runners.size();
    }

    /**
     * Leaves containers running: an agent restart is not a reason to stop workloads. The runners
     * stop watching them, so a closed supervisor no longer restarts, removes or reports anything
     * while a new one re-adopts the same containers.
     */
    @Override
    public synchronized void close() {
        stopper.shutdown();
        runners.values().forEach(AllocationRunner::abandon);
    }
}
