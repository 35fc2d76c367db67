package dev.gantry.scheduler.placement;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One node's row in the placement table: what it offers and what is left after the
 * allocations already on it. Mutable only through {@link NodeTable}, so that replicas placed
 * earlier in one evaluation count against later ones. Fields are package-private and read
 * directly by checks and scorers: this is the placement hot path.
 */
public final class NodeSlot {
    final String id;
    final String name;
    /** Position in the table, which is sorted by node id: ties between nodes go to the lower index. */
    int index;
    final boolean ready;
    final boolean eligible;
    /** Set by the NodeTable from the node; a draining node takes no new work. */
    boolean draining;
    final Set<String> drivers;
    /** {@link #drivers} as bits of the table's driver numbering ({@link NodeTable#driverBit}); set by the table. */
    long driverBits;
    final Map<String, String> labels;
    final Map<String, String> attributes;
    final long cpuCapacity;
    final long memoryCapacity;
    /** 0 when the node does not report disk; disk is then not checked. */
    final long diskCapacity;
    final int portLow;
    final int portHigh;
    long cpuUsed;
    long memoryUsed;
    long diskUsed;
    final PortSet usedPorts = new PortSet();
    /** Taken ports inside [portLow, portHigh]. */
    int dynamicUsed;
    /** No free dynamic port lies below this one. */
    int nextDynamic;
    /** Replicas of each job ("namespace/name") that should run here; stopping ones do not count. */
    final Map<String, Integer> allocationsPerJob = new HashMap<>();

    public NodeSlot(String id, String name, boolean ready, boolean eligible, Set<String> drivers,
                    long cpuCapacity, long memoryCapacity, int portLow, int portHigh) {
        this(id, name, ready, eligible, drivers, Map.of(), Map.of(), cpuCapacity, memoryCapacity, 0, portLow, portHigh);
    }

    public NodeSlot(String id, String name, boolean ready, boolean eligible, Set<String> drivers,
                    Map<String, String> labels, Map<String, String> attributes,
                    long cpuCapacity, long memoryCapacity, long diskCapacity, int portLow, int portHigh) {
        this.id = id;
        this.name = name;
        this.ready = ready;
        this.eligible = eligible;
        this.drivers = Set.copyOf(drivers);
        this.labels = Map.copyOf(labels);
        this.attributes = Map.copyOf(attributes);
        this.cpuCapacity = cpuCapacity;
        this.memoryCapacity = memoryCapacity;
        this.diskCapacity = diskCapacity;
        this.portLow = portLow;
        this.portHigh = portHigh;
        this.nextDynamic = portLow;
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

    public long diskFree() {
        return diskCapacity - diskUsed;
    }

    public Set<Integer> usedPorts() {
        return usedPorts.toSet();
    }

    public int allocationsOf(String jobKey) {
        return allocationsPerJob.getOrDefault(jobKey, 0);
    }

    /** Back to nothing used, before {@link NodeTable#refresh} counts the node's allocations again. */
    void clearUsage() {
        cpuUsed = 0;
        memoryUsed = 0;
        diskUsed = 0;
        usedPorts.clear();
        dynamicUsed = 0;
        nextDynamic = portLow;
        allocationsPerJob.clear();
    }

    int dynamicRangeSize() {
        return portHigh - portLow + 1;
    }

    /** Takes a port; keeps the dynamic-range count and the lowest-free hint in step. */
    void takePort(int port) {
        if (!usedPorts.add(port)) return;
        if (port >= portLow && port <= portHigh) dynamicUsed++;
        while (nextDynamic <= portHigh && usedPorts.contains(nextDynamic)) nextDynamic++;
    }
}
