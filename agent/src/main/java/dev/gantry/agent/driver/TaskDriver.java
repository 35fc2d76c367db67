package dev.gantry.agent.driver;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A way to run one task as a container (after Nomad's driver API). Implementations are
 * thread-safe; every method may be called again after an agent restart with a handle that
 * was persisted by an earlier process, so none of them may rely on in-memory state alone.
 */
public interface TaskDriver {

    /** The name jobs use to ask for this driver ("runc", "docker"). */
    String name();

    /**
     * Node attributes this driver contributes (for example {@code driver.runc.version}).
     * @throws DriverException when the driver cannot run on this server
     */
    Map<String, String> fingerprint() throws DriverException;

    /** Creates and starts the container; returns once it is running. */
    TaskHandle start(TaskConfig config) throws DriverException;

    /**
     * Re-attaches to a task started by an earlier agent process. Returns false when the
     * container is gone and left no exit record (it can only be restarted).
     */
    boolean recover(TaskHandle handle) throws DriverException;

    /** Completes once with the task's exit; already complete if it has exited. */
    CompletableFuture<ExitResult> await(TaskHandle handle);

    /** Sends {@code signal}, then SIGKILL after {@code grace}; returns when the task has exited. Idempotent. */
    void stop(TaskHandle handle, String signal, Duration grace) throws DriverException;

    /** Removes the container and everything it holds on the host (bundle, mounts, cgroup). Idempotent. */
    void destroy(TaskHandle handle) throws DriverException;

    /** The task's current state as the runtime reports it. */
    TaskInspection inspect(TaskHandle handle) throws DriverException;

    /**
     * Runs {@code command} (an argv, no shell) in the task's running container, with the task's
     * environment, user, working directory and confinement, and empty stdin. Returns when it
     * exits; once {@code timeout} has passed it is killed and the result says {@code timedOut}.
     * A command the container cannot execute ends with 127 (not found) or 126 (not executable),
     * as a shell reports it, with the runtime's error as output. Thread-safe; several may run at once.
     *
     * @throws DriverException when the container is not running or the runtime failed
     */
    ExecResult exec(TaskHandle handle, List<String> command, Duration timeout) throws DriverException;
}
