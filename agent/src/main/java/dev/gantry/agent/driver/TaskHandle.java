package dev.gantry.agent.driver;

import java.util.Map;

/**
 * What an agent persists to find a task again after a restart: the driver's name, the
 * container id and opaque driver state (paths, pids). Plain strings so it stores as JSON.
 */
public record TaskHandle(String driver, String containerId, Map<String, String> state) {
    public TaskHandle {
        state = Map.copyOf(state);
    }
}
