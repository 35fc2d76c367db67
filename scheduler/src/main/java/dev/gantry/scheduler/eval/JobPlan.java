package dev.gantry.scheduler.eval;

import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;

import java.util.List;

/**
 * The writes one job's evaluation wants, with the compares that make them safe: the job and
 * every allocation it changes must be unchanged since the snapshot, and new allocation keys
 * absent. A failed compare means the world moved; the job is simply evaluated again.
 * {@code revert}, when not null, is a failed rollout's automatic rollback, carried out after
 * the writes (it reads the version to restore from the store).
 */
public record JobPlan(String jobKey, List<Compare> compares, List<Op> ops, int placed, int stopped, int unplaced,
                      Revert revert) {

    public JobPlan(String jobKey, List<Compare> compares, List<Op> ops, int placed, int stopped, int unplaced) {
        this(jobKey, compares, ops, placed, stopped, unplaced, null);
    }

    /**
     * Redeploy kept version {@code to} of the job as a new version, if the job is still at
     * {@code from}, and mark {@code from}'s deployment (at {@code deploymentRevision}) rolled back.
     */
    public record Revert(String namespace, String name, long from, long to, String reason, long deploymentRevision) {
    }
}
