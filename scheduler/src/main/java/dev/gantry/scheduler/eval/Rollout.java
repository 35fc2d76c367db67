package dev.gantry.scheduler.eval;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.scheduler.rollout.DeploymentTracker;
import dev.gantry.scheduler.rollout.Templates;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;

import java.time.Instant;
import java.util.List;

/**
 * One job's deployment records in one evaluation: the latest as stored, the one for the job's
 * current version as observed now (created when the version is new), and an earlier one that
 * this version supersedes. Turns them into compare-guarded writes.
 */
final class Rollout {
    private final Versioned<Deployment> stored;
    private final Deployment superseded;
    private final Deployment deployment;
    private final boolean created;

    private Rollout(Versioned<Deployment> stored, Deployment superseded, Deployment deployment, boolean created) {
        this.stored = stored;
        this.superseded = superseded;
        this.deployment = deployment;
        this.created = created;
    }

    static Rollout observe(Job job, Versioned<Deployment> stored, List<Allocation> allocations, Instant now) {
        return observe(job, stored, allocations, now, null);
    }

    /** {@code unplaced}: the job's record of replicas it could not place, or null. */
    static Rollout observe(Job job, Versioned<Deployment> stored, List<Allocation> allocations, Instant now,
                           JobSummary unplaced) {
        String notPlaced = unplaced == null || unplaced.getUnplaced() == 0 ? ""
                : unplaced.getUnplaced() + (unplaced.getUnplaced() == 1 ? " replica" : " replicas") + " not placed: "
                + unplaced.getPlacementFailure();
        Deployment before = stored == null ? null : stored.value();
        boolean running = before != null && !DeploymentTracker.terminal(before.getStatus());
        if (job == null || job.getStopped()) {
            return new Rollout(stored, running ? end(before, job == null ? "job removed" : "job stopped", now) : null, null, false);
        }
        if (before != null && before.getJobVersion() == job.getVersion()) {
            return new Rollout(stored, null, DeploymentTracker.observe(before, job, allocations, now, notPlaced), false);
        }
        boolean outdated = allocations.stream()
                .anyMatch(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN && !Templates.current(a, job));
        Deployment fresh = DeploymentTracker.start(job, before, outdated, now);
        Deployment superseded = running ? end(before, "superseded by version " + job.getVersion(), now) : null;
        return new Rollout(stored, superseded, DeploymentTracker.observe(fresh, job, allocations, now, notPlaced), true);
    }

    private static Deployment end(Deployment d, String why, Instant now) {
        return d.toBuilder().setStatus(DeploymentStatus.DEPLOYMENT_CANCELLED).setStatusDescription(why)
                .setModifyTime(Timestamps.fromMillis(now.toEpochMilli())).build();
    }

    /** The deployment of the job's current version; null when the job is stopped or gone. */
    Deployment deployment() {
        return deployment;
    }

    /** The same, having replaced outdated replicas at {@code now} (for stagger). */
    Rollout stepped(Instant now) {
        if (deployment == null) return this;
        return new Rollout(stored, superseded, deployment.toBuilder()
                .setLastStepTime(Timestamps.fromMillis(now.toEpochMilli())).build(), created);
    }

    void writes(Keys keys, List<Compare> compares, List<Op> ops) {
        if (superseded != null) {
            String key = keys.deployment(superseded.getNamespace(), superseded.getJob(), superseded.getJobVersion());
            compares.add(Compare.modRevision(key, stored.modRevision()));
            ops.add(Op.put(key, superseded.toByteArray()));
        }
        if (deployment == null || (!created && deployment.equals(stored.value()))) return;
        String key = keys.deployment(deployment.getNamespace(), deployment.getJob(), deployment.getJobVersion());
        compares.add(created ? Compare.absent(key) : Compare.modRevision(key, stored.modRevision()));
        ops.add(Op.put(key, deployment.toByteArray()));
    }

    /**
     * The automatic rollback a stored failed deployment asks for and has not had. Only once
     * the failure is stored, so that the rollback can be fenced on that record.
     */
    JobPlan.Revert revert() {
        if (created || stored == null || deployment == null || !deployment.equals(stored.value())) return null;
        Deployment d = stored.value();
        if (d.getStatus() != DeploymentStatus.DEPLOYMENT_FAILED || d.getRevertTo() == 0 || d.getRollbackVersion() != 0) {
            return null;
        }
        return new JobPlan.Revert(d.getNamespace(), d.getJob(), d.getJobVersion(), d.getRevertTo(),
                d.getStatusDescription(), stored.modRevision());
    }
}
