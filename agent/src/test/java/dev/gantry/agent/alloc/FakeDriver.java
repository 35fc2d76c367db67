package dev.gantry.agent.alloc;

import dev.gantry.agent.driver.ContainerInventory;
import dev.gantry.agent.driver.DriverException;
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
final class FakeDriver implements TaskDriver, ContainerInventory {
    final List<TaskConfig> started = new CopyOnWriteArrayList<>();
    final List<String> stopped = new CopyOnWriteArrayList<>();
    final List<String> destroyed = new CopyOnWriteArrayList<>();
    final Map<String, CompletableFuture<ExitResult>> running = new ConcurrentHashMap<>();
    /** Containers on the "host" that were never started through this driver instance (crash leftovers). */
    final Set<String> leftovers = ConcurrentHashMap.newKeySet();
    volatile String failStartWith;

    @Override
    public String name() {
        return "runc";
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
}
