package dev.gantry.agent.alloc;

import dev.gantry.agent.driver.ContainerInventory;
import dev.gantry.agent.driver.DriverException;
import dev.gantry.agent.driver.ExecResult;
import dev.gantry.agent.driver.ExitResult;
import dev.gantry.agent.driver.TaskConfig;
import dev.gantry.agent.driver.TaskDriver;
import dev.gantry.agent.driver.TaskHandle;
import dev.gantry.agent.driver.TaskInspection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory driver: containers "run" until the test exits them or they are stopped. */
class FakeDriver implements TaskDriver, ContainerInventory {
    private final String name;
    final List<TaskConfig> started = new CopyOnWriteArrayList<>();
    final List<String> stopped = new CopyOnWriteArrayList<>();
    final List<String> destroyed = new CopyOnWriteArrayList<>();
    final Map<String, CompletableFuture<ExitResult>> running = new ConcurrentHashMap<>();
    /** Containers on the "host" that were never started through this driver instance (crash leftovers). */
    final Set<String> leftovers = ConcurrentHashMap.newKeySet();
    volatile String failStartWith;
    /** What an exec in any container returns; by default, success with no output. */
    volatile java.util.function.Function<List<String>, ExecResult> execs = cmd -> new ExecResult(0, false, "", false);
    final List<List<String>> executed = new CopyOnWriteArrayList<>();

    FakeDriver() {
        this("runc");
    }

    FakeDriver(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, String> fingerprint() {
        return Map.of("driver.fake", "1");
    }

    @Override
    public TaskHandle start(TaskConfig config) throws DriverException {
        if (failStartWith != null) throw new DriverException(failStartWith);
        started.add(config);
        running.put(config.containerId(), new CompletableFuture<>());
        return new TaskHandle(name(), config.containerId(), Map.of());
    }

    /** Makes the container exit as if its process ended. */
    void exit(String containerId, int code) {
        running.get(containerId).complete(new ExitResult(code, false, Instant.now(), ""));
    }

    @Override
    public boolean recover(TaskHandle handle) {
        return running.containsKey(handle.containerId());
    }

    @Override
    public CompletableFuture<ExitResult> await(TaskHandle handle) {
        return running.get(handle.containerId());
    }

    @Override
    public void stop(TaskHandle handle, String signal, Duration grace) {
        stopped.add(handle.containerId() + ":" + signal);
        var f = running.get(handle.containerId());
        if (f != null) f.complete(new ExitResult(143, false, Instant.now(), "stopped"));
    }

    @Override
    public void destroy(TaskHandle handle) {
        boolean wasRunning = running.remove(handle.containerId()) != null;
        if (leftovers.remove(handle.containerId()) || wasRunning) destroyed.add(handle.containerId());
    }

    @Override
    public List<String> containerIds() {
        List<String> ids = new ArrayList<>(running.keySet());
        ids.addAll(leftovers);
        return ids;
    }

    @Override
    public TaskInspection inspect(TaskHandle handle) {
        var f = running.get(handle.containerId());
        return new TaskInspection(f == null ? TaskInspection.State.UNKNOWN : f.isDone() ? TaskInspection.State.EXITED
                : TaskInspection.State.RUNNING, 1, null);
    }

    @Override
    public ExecResult exec(TaskHandle handle, List<String> command, Duration timeout) throws DriverException {
        var f = running.get(handle.containerId());
        if (f == null || f.isDone()) throw new DriverException("container " + handle.containerId() + " is not running");
        executed.add(command);
        return execs.apply(command);
    }
}
