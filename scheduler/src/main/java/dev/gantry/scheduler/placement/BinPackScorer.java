package dev.gantry.scheduler.placement;

/**
 * 0..1, higher when the node would be fuller afterwards: packs work onto fewer nodes and
 * keeps whole nodes free for big jobs (the default {@link CapacityScoring#BIN_PACK}).
 */
final class BinPackScorer implements Scorer {
    private final long cpu;
    private final long memory;

    BinPackScorer(long cpu, long memory) {
        this.cpu = cpu;
        this.memory = memory;
    }

    @Override
    public String name() {
        return "binpack";
    }

    @Override
    public double score(NodeSlot n) {
        return utilisationAfter(n, cpu, memory);
    }

    /** Mean of CPU and memory use after adding the replica, 0..1; a dimension without capacity counts as full. */
    static double utilisationAfter(NodeSlot n, long cpu, long memory) {
        double c = n.cpuCapacity > 0 ? (double) (n.cpuUsed + cpu) / n.cpuCapacity : 1;
        double m = n.memoryCapacity > 0 ? (double) (n.memoryUsed + memory) / n.memoryCapacity : 1;
        return (c + m) / 2;
    }
}
