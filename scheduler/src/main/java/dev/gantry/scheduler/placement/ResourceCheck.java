package dev.gantry.scheduler.placement;

/**
 * Is enough CPU, memory and disk left after the allocations already on the node? Disk is
 * checked only on nodes that report a disk capacity: agents do not fingerprint disk yet, and
 * refusing every job that asks for disk would be worse than not checking it.
 */
final class ResourceCheck implements FeasibilityCheck {
    private final long cpu;
    private final long memory;
    private final long disk;

    ResourceCheck(long cpu, long memory, long disk) {
        this.cpu = cpu;
        this.memory = memory;
        this.disk = disk;
    }

    @Override
    public String reject(NodeSlot node) {
        if (node.cpuCapacity - node.cpuUsed < cpu) return "insufficient cpu";
        if (node.memoryCapacity - node.memoryUsed < memory) return "insufficient memory";
        if (disk > 0 && node.diskCapacity > 0 && node.diskCapacity - node.diskUsed < disk) return "insufficient disk";
        return null;
    }
}
