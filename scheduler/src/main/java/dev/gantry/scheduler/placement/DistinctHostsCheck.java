package dev.gantry.scheduler.placement;

/** distinct_hosts: does the node run no replica of this job yet? */
final class DistinctHostsCheck implements FeasibilityCheck {
    private final String jobKey;

    DistinctHostsCheck(String jobKey) {
        this.jobKey = jobKey;
    }

    @Override
    public String reject(NodeSlot node) {
        return node.allocationsPerJob.containsKey(jobKey) ? "constraint distinct_hosts not met" : null;
    }
}
