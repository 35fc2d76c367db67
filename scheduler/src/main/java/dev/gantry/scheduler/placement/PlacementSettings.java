package dev.gantry.scheduler.placement;

/**
 * Cluster-wide placement settings, given to the engine's constructor.
 *
 * <p>Like Nomad's limit iterator, the engine stops scanning once it has scored
 * {@code candidateLimit} feasible nodes (at least log2 of the cluster size), or
 * {@code softRuleCandidateLimit} when the job has affinities or spread, since those need to
 * see more of the cluster to matter. This keeps one placement O(limit) rather than O(nodes)
 * on large clusters; a failed placement still checks every node, so explanations are complete.
 * Use {@link #exhaustive} to score every feasible node.
 */
public record PlacementSettings(CapacityScoring capacityScoring, int candidateLimit, int softRuleCandidateLimit) {

    public PlacementSettings {
        if (capacityScoring == null) throw new IllegalArgumentException("capacityScoring is required");
        if (candidateLimit < 1 || softRuleCandidateLimit < 1) throw new IllegalArgumentException("limits must be positive");
    }

    public static PlacementSettings defaults() {
        return new PlacementSettings(CapacityScoring.BIN_PACK, 16, 128);
    }

    public static PlacementSettings exhaustive(CapacityScoring scoring) {
        return new PlacementSettings(scoring, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** These settings with another capacity scoring (`--placement binpack|spread`). */
    public PlacementSettings withCapacityScoring(CapacityScoring scoring) {
        return new PlacementSettings(scoring, candidateLimit, softRuleCandidateLimit);
    }

    /** How many feasible nodes to score for a job on a cluster of {@code nodes}. */
    int limitFor(int nodes, boolean softRules) {
        int log2 = nodes <= 1 ? 1 : 32 - Integer.numberOfLeadingZeros(nodes - 1);
        int base = Math.max(candidateLimit, log2);
        return softRules ? Math.max(base, softRuleCandidateLimit) : base;
    }
}
