package dev.gantry.scheduler.placement;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One node's row in the placement table: what it offers and what is left after the
 * allocations already on it. Mutable only through {@link NodeTable#reserve}, so that
 * replicas placed earlier in one evaluation count against later ones.
 */
public final class NodeSlot {
    final String id;
    final String name;
    final boolean ready;
    final boolean eligible;
    final Set<String> drivers;
    final long cpuCapacity;
    final long memoryCapacity;
    final int portLow;
    final int portHigh;
    long cpuUsed;
    long memoryUsed;
    final Set<Integer> usedPorts = new HashSet<>();
    final Map<String, Integer> allocationsPerJob = new HashMap<>();

    public NodeSlot(String id, String name, boolean ready, boolean eligible, Set<String> drivers,
                    long cpuCapacity, long memoryCapacity, int portLow, int portHigh) {
        this.id = id;
        this.name = name;
        this.ready = ready;
        this.eligible = eligible;
        this.drivers = Set.copyOf(drivers);
        this.cpuCapacity = cpuCapacity;
        this.memoryCapacity = memoryCapacity;
        this.portLow = portLow;
        this.portHigh = portHigh;
    }

    public String id() {
        return id;
    }

    public long cpuFree() {
        return cpuCapacity - cpuUsed;
    }

    public long memoryFree() {
        return memoryCapacity - memoryUsed;
    }

    public Set<Integer> usedPorts() {
        return Set.copyOf(usedPorts);
    }
}
