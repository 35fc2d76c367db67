package dev.gantry.scheduler.placement;

/** 0..1, higher when more of the node stays free afterwards ({@link CapacityScoring#SPREAD}). */
final class LeastAllocatedScorer implements Scorer {
    private final long cpu;
    private final long memory;

    LeastAllocatedScorer(long cpu, long memory) {
        this.cpu = cpu;
        this.memory = memory;
    }

    @Override
    public String name() {
        return "least-allocated";
    }

    @Override
    public double score(NodeSlot n) {
        return 1 - BinPackScorer.utilisationAfter(n, cpu, memory);
    }
}
