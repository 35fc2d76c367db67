package dev.gantry.scheduler.liveness;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When this replica last heard from each node's agent. In memory only: writing every
 * heartbeat to etcd would cost a write per node every few seconds for no durable value.
 * An entry outlives the agent's stream on purpose, so that a node whose agent disconnected
 * (cleanly or not) is judged by its last sign of life and not marked down early. Thread-safe.
 */
public final class Heartbeats {
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();

    /** Records a sign of life; never moves a node's time backwards. */
    public void record(String nodeId, Instant at) {
        lastSeen.merge(nodeId, at, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** A copy, for one liveness decision. */
    public Map<String, Instant> snapshot() {
        return Map.copyOf(lastSeen);
    }
}
