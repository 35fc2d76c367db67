package dev.gantry.scheduler.placement;

/**
 * Keeps replicas of one job apart: -(collisions + 1) / count on a node that already runs
 * some (as Nomad's job anti-affinity), at least -1; 0 elsewhere. Soft: unlike distinct_hosts,
 * a second replica still goes on the node when no other fits.
 */
final class JobAntiAffinityScorer implements Scorer {
    private final String jobKey;
    private final double count;

    JobAntiAffinityScorer(String jobKey, int count) {
        this.jobKey = jobKey;
        this.count = Math.max(1, count);
    }

    @Override
    public String name() {
        return "anti-affinity";
    }

    @Override
    public double score(NodeSlot n) {
        Integer collisions = n.allocationsPerJob.get(jobKey);
        if (collisions == null) return 0;
        return Math.max(-1, -(collisions + 1) / count);
    }
}
