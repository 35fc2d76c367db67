package dev.gantry.scheduler.reconcile;

/**
 * The budget for moving one job's replicas off draining nodes: at most {@code maxParallel}
 * replacements in flight (placed but not yet running) at a time, so a drain never takes more
 * of a job's capacity out of service than that, and never floods the remaining nodes.
 * Mutable, for the length of one reconcile.
 */
final class Migration {
    /** Like Nomad's migrate.max_parallel default; a per-job setting can come with rollouts. */
    static final int MAX_PARALLEL = 1;

    private final int maxParallel;
    private int inFlight;

    Migration(int maxParallel) {
        this.maxParallel = maxParallel;
    }

    void inFlight() {
        inFlight++;
    }

    /** Takes a slot for one more replacement if the budget allows. */
    boolean tryStart() {
        if (inFlight >= maxParallel) return false;
        inFlight++;
        return true;
    }
}
