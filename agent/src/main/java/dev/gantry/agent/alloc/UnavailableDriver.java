package dev.gantry.agent.alloc;

import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExecResult;
import dev.gantry.agent.driver.ExitResult;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.driver.TaskInspection;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Stands in for a driver that a task names but this node does not offer (the scheduler placed it
 * on an older view of the node, say before the Docker Engine went away): every start fails and
 * says why, so the task fails under its restart policy instead of running under another driver.
 */
final class UnavailableDriver implements TaskDriver {
    private final String name;
    private final String why;

    UnavailableDriver(String name, Collection<String> offered) {
        this.name = name;
        this.why = "driver " + name + " is not available on this node (it offers " + String.join(", ", offered) + ")";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, String> fingerprint() throws DriverException {
        throw new DriverException(why);
    }

    @Override
    public TaskHandle start(TaskConfig config) throws DriverException {
        throw new DriverException(why);
    }

    @Override
    public boolean recover(TaskHandle handle) {
        return false;
    }

    @Override
    public CompletableFuture<ExitResult> await(TaskHandle handle) {
        return CompletableFuture.failedFuture(new DriverException(why));
    }

    @Override
    public void stop(TaskHandle handle, String signal, Duration grace) {
        // nothing was started
    }

    @Override
    public void destroy(TaskHandle handle) {
        // nothing was started
    }

    @Override
    public TaskInspection inspect(TaskHandle handle) {
        return new TaskInspection(TaskInspection.State.UNKNOWN, 0, null);
    }

    @Override
    public ExecResult exec(TaskHandle handle, List<String> command, Duration timeout) throws DriverException {
        throw new DriverException(why);
    }
}
