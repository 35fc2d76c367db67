package dev.gantry.scheduler.rollout;

import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;

import java.time.Instant;

/**
 * What a job's current deployment allows reconcile to do with outdated replicas this round.
 * Without a deployment record (tests, or the moment before the leader writes one) a rollout
 * may proceed from scratch.
 *
 * @param mayStep         outdated replicas may be replaced now (not paused, not ended, stagger passed)
 * @param canaries        canaries wanted before promotion; 0 once promoted or when there are none
 * @param canarySince     canaries placed at or after this instant belong to this rollout
 */
public record RolloutGate(boolean mayStep, int canaries, Instant canarySince) {

    public static RolloutGate of(Deployment d, UpdatePolicy policy, boolean hasOutdated, Instant now) {
        if (d == null) return new RolloutGate(true, hasOutdated ? policy.canary() : 0, Instant.EPOCH);
        boolean active = d.getStatus() == DeploymentStatus.DEPLOYMENT_RUNNING && !d.getPaused();
        boolean staggered = d.hasLastStepTime()
                && ReplicaHealth.instant(d.getLastStepTime()).plus(policy.stagger()).isAfter(now);
        return new RolloutGate(active && !staggered, d.getPromoted() ? 0 : d.getDesiredCanaries(),
                ReplicaHealth.instant(d.getCreateTime()));
    }

    public boolean canaryPhase() {
        return canaries > 0;
    }

    /** A canary of this rollout, not yet promoted: the outdated replica beside it keeps running. */
    public boolean holds(dev.gantry.api.v1.Allocation a) {
        return canaryPhase() && a.getCanary() && !ReplicaHealth.instant(a.getCreateTime()).isBefore(canarySince);
    }
}
