package dev.gantry.agent.alloc;

import com.google.protobuf.util.Timestamps;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.DriverImages;
import dev.gantry.agent.driver.ExitResult;
import dev.gantry.agent.driver.NetworkNamespaceJoining;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.health.HealthMonitor;
import dev.gantry.agent.image.Image;
import dev.gantry.agent.image.ImageException;
import dev.gantry.agent.image.ImageStore;
import dev.gantry.agent.network.NetworkAttachment;
import dev.gantry.agent.state.LocalState;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Security;
import dev.gantry.api.v1.Task;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one task of an allocation for its whole life on its own thread: resolve the image,
 * start the container, await its exit, consult the restart policy, repeat, until the policy
 * says done or the allocation is stopped. State changes go to {@code onChange}. While a
 * container runs, a {@link HealthMonitor} runs the task's checks: readiness sets
 * {@code healthy}, a failed liveness check kills the container so the restart policy applies.
 */
final class TaskRunner implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    /** The exit code recorded for a container that never started (image or driver error). */
    static final int START_FAILED = -1;

    private final Allocation alloc;
    private final Job job;
    private final Task task;
    private final TaskDriver driver;
    private final ImageResolver images;
    private final LocalState local;
    private final NodeContext node;
    private final Clock clock;
    private final Consumer<TaskState> onChange;
    private final RestartTracker restarts;
    private final CountDownLatch finished = new CountDownLatch(1);
    private final ScheduledExecutorService probes;
    private final ReplicaNetwork network;

    private volatile TaskHandle handle;
    private volatile boolean stopping;
    private volatile TaskState state;
    private volatile HealthMonitor monitor;
    private volatile String livenessFailure;
    /** Set when the supervisor closes: from then on this runner touches neither the container, the disk nor the reports. */
    private volatile boolean abandoned;
    /** The last state written to disk (guarded by this); health changes alone are not worth a write. */
    private TaskState persisted;
    private final boolean endedBefore;

    TaskRunner(Allocation alloc, Job job, Task task, TaskDriver driver, ImageResolver images, LocalState local,
               NodeContext node, Clock clock, TaskHandle recovered, TaskState recoveredState, Consumer<TaskState> onChange,
               ScheduledExecutorService probes, ReplicaNetwork network) {
        this.network = network;
        this.alloc = alloc;
        this.job = job;
        this.task = task;
        this.driver = driver;
        this.images = images;
        this.local = local;
        this.node = node;
        this.clock = clock;
        this.onChange = onChange;
        this.probes = probes;
        // A re-adopted task continues its count: an agent restart is not a task restart.
        this.restarts = new RestartTracker(job.getRestart(), recoveredState == null ? 0 : recoveredState.getRestarts());
        this.handle = recovered;
        this.state = recoveredState != null ? recoveredState.toBuilder().clearHealthy().clearHealthMessage().build()
                : TaskState.newBuilder().setStatus(TaskStatus.TASK_PENDING).build();
        this.persisted = recoveredState == null ? null : durable(state);
        // Ended as its policy wanted (or gave up) before the agent restarted: running it again would undo that.
        this.endedBefore = recovered == null && recoveredState != null
                && (state.getStatus() == TaskStatus.TASK_EXITED || state.getStatus() == TaskStatus.TASK_FAILED);
    }

    TaskState state() {
        return state;
    }

    String containerId() {
        return alloc.getId() + "-" + task.getName();
    }

    @Override
    public void run() {
        try {
            while (!stopping && !endedBefore && !abandoned) {
                ExitResult exit = runOnce();
                if (stopping || abandoned) break;
                RestartTracker.Decision d = restarts.onExit(exit.exitCode(), exit.oomKilled(), livenessFailure != null,
                        clock.instant());
                destroyQuietly();
                String killedBy = livenessFailure == null ? "" : livenessFailure + "; ";
                livenessFailure = null;
                if (d instanceof RestartTracker.Decision.Restart r) {
                    update(state.toBuilder().setStatus(TaskStatus.TASK_PENDING).setRestarts(restarts.total())
                            .setMessage(killedBy + "restarting in " + r.delay().toMillis() + "ms after "
                                    + (exit.exitCode() == START_FAILED ? "a failed start: " + exit.message()
                                    : "exit " + RestartTracker.describe(exit.exitCode(), exit.oomKilled()))));
                    if (sleep(r.delay())) break;
                } else if (d instanceof RestartTracker.Decision.Done done) {
                    update(state.toBuilder().setStatus(TaskStatus.TASK_EXITED).setMessage(done.reason()));
                    break;
                } else if (d instanceof RestartTracker.Decision.GiveUp g) {
                    String why = exit.exitCode() == START_FAILED ? "could not start: " + exit.message() + " (" + g.policy() + ")" : g.reason();
                    update(state.toBuilder().setStatus(TaskStatus.TASK_FAILED).setMessage(killedBy + why));
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("task {} of allocation {} crashed", task.getName(), alloc.getId(), e);
            update(state.toBuilder().setStatus(TaskStatus.TASK_FAILED).setMessage("agent error: " + e));
        } finally {
            endHealthChecks();
            finished.countDown();
        }
    }

    /**
     * The task's image. runc runs the agent's layers. A driver with its own image store (Docker
     * Engine) runs a local archive or an image it already has as it is (unless the task's
     * pull policy is {@code always}); any other registry image is pulled by the agent's store,
     * with the task's policy, pull secret and progress, and then handed to the driver.
     */
    private Image image() throws ImageException, DriverException {
        if (!(driver instanceof DriverImages own)) return images.resolve(task, this::onPullProgress);
        String ref = task.getImage();
        if (ImageStore.isLocal(ref)) return own.image(ref);
        if (!"always".equals(task.getPullPolicy())) {
            var existing = own.existing(ref);
            if (existing.isPresent()) return existing.get();
        }
        return own.load(images.resolve(task, this::onPullProgress));
    }

    /** Starts (or re-attaches to) the container and waits for it to end. Failures to start count as a failed exit. */
    private ExitResult runOnce() throws InterruptedException {
        try {
            if (handle == null) {
                long t0 = System.nanoTime();
                Image image = image();
                long t1 = System.nanoTime();
                if (network.mode() != dev.gantry.api.v1.Network.Mode.HOST && !(driver instanceof NetworkNamespaceJoining)) {
                    throw new DriverException("driver " + driver.name() + " cannot run a task in its allocation's own network yet;"
                            + " network mode " + network.mode().name().toLowerCase(java.util.Locale.ROOT) + " needs the runc driver");
                }
                NetworkAttachment net = network.attach();
                String allocIp = switch (net.mode()) {
                    case BRIDGE -> net.address();
                    case NONE -> "127.0.0.1";
                    default -> node.hostIp();
                };
                Map<String, String> env = TaskEnvironment.env(image.config(), task, alloc, node.name(), node.hostIp(),
                        allocIp, network.insidePorts());
                Security sec = task.getSecurity();
                TaskConfig config = TaskConfig.builder().containerId(containerId()).allocationId(alloc.getId())
                        .taskName(task.getName()).image(image.manifestDigest()).layers(image.layers())
                        .args(TaskEnvironment.argv(image.config(), task, env)).env(TaskEnvironment.asList(env))
                        .workingDir(!task.getWorkingDir().isEmpty() ? task.getWorkingDir() : image.config().workingDir())
                        .user(!sec.getUser().isEmpty() ? sec.getUser() : image.config().user())
                        .cpuMillis(task.getResources().getCpuMillis()).memoryBytes(task.getResources().getMemoryBytes())
                        .security(new TaskConfig.SecurityOptions(sec.getReadOnlyRootfs(), sec.getCapabilitiesAddList(),
                                sec.getCapabilitiesDropList(), sec.getAllowPrivilegeEscalation(), sec.getUnconfinedSeccomp()))
                        .logPath(local.logPath(alloc.getId(), task.getName()))
                        .network(net.isolated() ? new TaskConfig.NetworkJoin(net.namespacePath(), net.address()) : TaskConfig.NetworkJoin.HOST)
                        .build();
                if (config.args().isEmpty()) throw new DriverException("no command: the image has no entrypoint or cmd and the task sets none");
                destroyStale(config.containerId());
                long t2 = System.nanoTime();
                handle = driver.start(config);
                log.debug("task {} of {}: image {} ms, prepare {} ms, driver start {} ms", task.getName(), alloc.getId(),
                        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
                local.saveHandle(alloc.getId(), task.getName(), handle);
                monitor = newHealthMonitor();
                update(state.toBuilder().setStatus(TaskStatus.TASK_RUNNING).setContainerId(handle.containerId())
                        .setStartedAt(Timestamps.fromMillis(clock.millis())).clearFinishedAt().setMessage(""));
                if (stopping) stop(); // stop() raced with the start and saw no handle
            } else if (state.getStatus() != TaskStatus.TASK_RUNNING) {
                // Re-adopted from an earlier agent process: it has been running all along.
                readoptNetwork();
                monitor = newHealthMonitor();
                update(state.toBuilder().setStatus(TaskStatus.TASK_RUNNING).setContainerId(handle.containerId()).setMessage(""));
            } else {
                readoptNetwork();
                monitor = newHealthMonitor();
            }
            HealthMonitor m = monitor;
            if (m != null && !stopping) m.start();
            CompletableFuture<ExitResult> exit = driver.await(handle);
            ExitResult r = exit.get();
            endHealthChecks();
            String killedBy = livenessFailure == null ? "" : livenessFailure + "; ";
            update(state.toBuilder().setHasExit(true).setLastExitCode(r.exitCode()).setOomKilled(r.oomKilled())
                    .setFinishedAt(Timestamps.fromMillis(r.finishedAt().toEpochMilli()))
                    .setMessage(killedBy + (r.oomKilled() ? "OOM killed" : "exited with " + r.exitCode())));
            return r;
        } catch (ExecutionException e) {
            return failedStart(e.getCause());
        } catch (Exception e) {
            if (e instanceof InterruptedException ie) throw ie;
            return failedStart(e);
        }
    }

    /** Finds the running container's network again, for its address; the container keeps running either way. */
    private void readoptNetwork() {
        try {
            network.attach();
            update(state.toBuilder()); // a report with the address
        } catch (dev.gantry.agent.network.NetworkException e) {
            log.warn("task {} of allocation {}: cannot re-adopt its network: {}", task.getName(), alloc.getId(), e.getMessage());
        }
    }

    /** A pull's progress as the pending task's message ("pulling x:1: 12.3/50.1 MB"), for `gantry status`. */
    private void onPullProgress(String message) {
        if (stopping || handle != null || state.getStatus() != TaskStatus.TASK_PENDING) return;
        update(state.toBuilder().setMessage(message));
    }

    private ExitResult failedStart(Throwable e) {
        endHealthChecks();
        log.warn("task {} of allocation {} failed to start: {}", task.getName(), alloc.getId(), e.getMessage());
        handle = null;
        update(state.toBuilder().setStatus(TaskStatus.TASK_PENDING).setMessage("start failed: " + e.getMessage()));
        return new ExitResult(START_FAILED, false, clock.instant(), String.valueOf(e.getMessage()));
    }

    /** A container left by an earlier run under the same id (say, after a crash) is removed first. */
    private void destroyStale(String containerId) {
        try {
            driver.destroy(new TaskHandle(driver.name(), containerId, Map.of()));
        } catch (DriverException e) {
            log.debug("no stale container {}: {}", containerId, e.getMessage());
        }
    }

    /** Stops the container (signal, then SIGKILL after the grace), waits for the runner to finish, removes the container. */
    void stop() {
        stopping = true;
        // Out of the catalog before the signal, so traffic drains first; and no liveness kill mid-stop.
        if (endHealthChecks()) update(state.toBuilder());
        TaskHandle h = handle;
        if (h != null) {
            awaitShutdownDelay();
            stopContainer(h);
        }
    }

    /** The task's shutdown_delay: time for clients following the service catalog to move away. */
    private void awaitShutdownDelay() {
        if (!task.hasShutdownDelay()) return;
        long millis = task.getShutdownDelay().getSeconds() * 1000 + task.getShutdownDelay().getNanos() / 1_000_000;
        try {
            Thread.sleep(Math.max(0, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The task's stop signal, then SIGKILL after its grace (default 10s). */
    private void stopContainer(TaskHandle h) {
        String signal = task.getStopSignal().isEmpty() ? "SIGTERM" : task.getStopSignal();
        Duration grace = Duration.ofSeconds(task.getStopGrace().getSeconds(), task.getStopGrace().getNanos());
        if (grace.isZero()) grace = Duration.ofSeconds(10);
        try {
            driver.stop(h, signal, grace);
        } catch (DriverException e) {
            log.warn("stopping {} failed: {}", h.containerId(), e.getMessage());
        }
    }

    /** Checks of the container that runs now: exec checks run in it, by its handle. */
    private HealthMonitor newHealthMonitor() {
        TaskHandle h = handle;
        return new HealthMonitor(task, alloc.getPortsList(), node.hostIp(), (cmd, timeout) -> driver.exec(h, cmd, timeout),
                probes, clock, () -> update(state.toBuilder()), this::onLivenessFailure);
    }

    /** Stops the current container's checks; true when some were running. */
    private boolean endHealthChecks() {
        HealthMonitor m = monitor;
        monitor = null;
        if (m == null) return false;
        m.close();
        return true;
    }

    /**
     * Kills the container the way a stop does; the runner's await then sees the exit and the
     * restart policy decides, as for any other failure. On its own thread: the stop may take
     * the whole grace period, and probe threads are shared.
     */
    private void onLivenessFailure(String why) {
        TaskHandle h = handle;
        if (stopping || h == null) return;
        log.warn("task {} of allocation {}: {}; killing it", task.getName(), alloc.getId(), why);
        livenessFailure = why;
        update(state.toBuilder().setMessage(why));
        Thread t = new Thread(() -> stopContainer(h), "liveness-kill-" + containerId());
        t.setDaemon(true);
        t.start();
    }

    /** Waits until the runner's thread has finished, then removes the container. */
    void awaitFinishedAndDestroy(Thread thread) throws InterruptedException {
        if (!finished.await(30, TimeUnit.SECONDS)) thread.interrupt();
        finished.await(5, TimeUnit.SECONDS);
        destroyQuietly();
        if (state.getStatus() == TaskStatus.TASK_RUNNING || state.getStatus() == TaskStatus.TASK_PENDING) {
            update(state.toBuilder().setStatus(TaskStatus.TASK_EXITED).setMessage("stopped"));
        }
    }

    private void destroyQuietly() {
        if (abandoned) return;
        TaskHandle h = handle;
        handle = null;
        if (h == null) return;
        try {
            driver.destroy(h);
        } catch (DriverException e) {
            log.warn("removing container {} failed: {}", h.containerId(), e.getMessage());
        }
        local.deleteHandle(alloc.getId(), task.getName());
    }

    /** See {@link AllocationRunner#abandon()}; {@code thread} runs this runner (null if it never started). */
    void abandon(Thread thread) {
        abandoned = true;
        if (thread != null) thread.interrupt();
    }

    /** Sleeps unless stopped; true when stopped. */
    private boolean sleep(Duration d) throws InterruptedException {
        long until = System.nanoTime() + d.toNanos();
        while (!stopping) {
            long left = until - System.nanoTime();
            if (left <= 0) return false;
            Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100));
        }
        return true;
    }

    /** Every state change also refreshes readiness: only a running container with a monitor can be healthy. */
    private synchronized void update(TaskState.Builder next) {
        if (abandoned) return;
        HealthMonitor m = monitor;
        HealthMonitor.Health h = next.getStatus() == TaskStatus.TASK_RUNNING && m != null ? m.health() : null;
        next.setHealthy(h != null && h.healthy()).setHealthMessage(h == null ? "" : h.message());
        state = next.build();
        persist(state);
        onChange.accept(state);
    }

    /** Writes the state when something that must survive an agent restart changed; a failed write only warns. */
    private void persist(TaskState s) {
        TaskState d = durable(s);
        if (d.equals(persisted)) return;
        try {
            local.saveTaskState(alloc.getId(), task.getName(), d);
            persisted = d;
        } catch (java.io.UncheckedIOException e) {
            log.warn("cannot save the state of task {} of allocation {}: {}", task.getName(), alloc.getId(), e.getMessage());
        }
    }

    private static TaskState durable(TaskState s) {
        return s.toBuilder().clearHealthy().clearHealthMessage().build();
    }
}
