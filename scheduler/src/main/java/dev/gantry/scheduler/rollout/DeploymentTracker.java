package dev.gantry.scheduler.rollout;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Moves a job version's deployment record forward from what its replicas show: counts,
 * auto-promotion of healthy canaries, and the end of the rollout. Pure and level-triggered:
 * observing the same state twice gives the same record.
 *
 * <p>It succeeds when no outdated replica runs and every replica of the version is healthy
 * (canaries promoted). It fails when a replica of the version turns unhealthy
 * ({@link ReplicaHealth#unhealthy}) or no replica became healthy within
 * {@code progress_deadline} of the start or of the last one that did (not while paused).
 * A failure with {@code auto_revert} and a stable version to return to asks for that
 * version ({@code revert_to}); the leader then redeploys it and marks the record rolled back.
 */
public final class DeploymentTracker {
    private DeploymentTracker() {
    }

    public static boolean terminal(DeploymentStatus s) {
        return s != DeploymentStatus.DEPLOYMENT_RUNNING;
    }

    /** The record for a new version; {@code previous} is the job's latest record before it, if any. */
    public static Deployment start(Job job, Deployment previous, boolean hasOutdated, Instant now) {
        UpdatePolicy policy = UpdatePolicy.of(job);
        long stable = previous == null ? 0
                : previous.getStatus() == DeploymentStatus.DEPLOYMENT_SUCCESSFUL ? previous.getJobVersion()
                : previous.getStableVersion();
        var t = Timestamps.fromMillis(now.toEpochMilli());
        return Deployment.newBuilder()
                .setNamespace(job.getNamespace()).setJob(job.getName()).setJobVersion(job.getVersion())
                .setStatus(DeploymentStatus.DEPLOYMENT_RUNNING).setStatusDescription("starting")
                .setDesiredTotal(job.getCount()).setDesiredCanaries(hasOutdated ? policy.canary() : 0)
                .setCreateTime(t).setModifyTime(t)
                .setRequireProgressBy(Timestamps.fromMillis(now.plus(policy.progressDeadline()).toEpochMilli()))
                .setStableVersion(stable)
                .build();
    }

    /** The record as the replicas show it now ({@code allocations}: all of the job's, stopped ones too). */
    public static Deployment observe(Deployment d, Job job, List<Allocation> allocations, Instant now) {
        return observe(d, job, allocations, now, "");
    }

    /**
     * As above; {@code notPlaced} says why replicas of the job could not be placed (empty when all
     * were), so that a rollout that ends on its progress deadline names the cause.
     */
    public static Deployment observe(Deployment d, Job job, List<Allocation> allocations, Instant now, String notPlaced) {
        if (terminal(d.getStatus())) return d;
        UpdatePolicy policy = UpdatePolicy.of(job);
        Instant created = ReplicaHealth.instant(d.getCreateTime());
        int placed = 0, healthy = 0, outdated = 0, canariesHealthy = 0;
        Instant lastProgress = created;
        Optional<String> failure = Optional.empty();
        Set<Integer> readyIndexes = new HashSet<>();
        for (Allocation a : allocations) {
            boolean live = a.getDesiredStatus() == DesiredStatus.DESIRED_RUN && a.getIndex() < job.getCount();
            if (live && ReplicaHealth.ready(a)) readyIndexes.add(a.getIndex());
            if (!Templates.current(a, job)) {
                if (live) outdated++;
                continue;
            }
            boolean ours = live || !ReplicaHealth.instant(a.getCreateTime()).isBefore(created);
            if (failure.isEmpty() && ours) failure = ReplicaHealth.unhealthy(a, policy, now);
            if (!live) continue;
            placed++;
            Optional<Instant> at = ReplicaHealth.healthyAt(a, policy);
            if (at.isPresent() && !at.get().isAfter(now)) {
                healthy++;
                if (a.getCanary()) canariesHealthy++;
                if (at.get().isAfter(lastProgress)) lastProgress = at.get();
            }
        }
        int unavailable = job.getCount() - readyIndexes.size();
        Instant progressBy = lastProgress.plus(policy.progressDeadline());

        Deployment.Builder b = d.toBuilder().setDesiredTotal(job.getCount()).setPlaced(placed).setHealthy(healthy)
                .setUnhealthy(failure.isPresent() ? 1 : 0).setOutdated(outdated).setUnavailable(Math.max(0, unavailable))
                .setRequireProgressBy(Timestamps.fromMillis(progressBy.toEpochMilli()));
        boolean canaryPhase = d.getDesiredCanaries() > 0 && !d.getPromoted();
        if (canaryPhase && policy.autoPromote() && canariesHealthy >= d.getDesiredCanaries()) {
            b.setPromoted(true);
            canaryPhase = false;
        }
        if (failure.isPresent()) {
            fail(b, d, policy, failure.get());
        } else if (!d.getPaused() && now.isAfter(progressBy)) {
            fail(b, d, policy, "progress deadline exceeded: no replica became healthy within "
                    + policy.progressDeadline().toSeconds() + "s" + (notPlaced.isEmpty() ? "" : "; " + notPlaced));
            b.setDeadlineExceeded(true);
        } else if (!canaryPhase && outdated == 0 && healthy >= job.getCount()) {
            b.setStatus(DeploymentStatus.DEPLOYMENT_SUCCESSFUL)
                    .setStatusDescription("all " + job.getCount() + " replicas of version " + job.getVersion() + " healthy");
        } else {
            b.setStatusDescription(d.getPaused() ? "paused"
                    : canaryPhase ? "waiting for " + d.getDesiredCanaries() + " canar" + (d.getDesiredCanaries() == 1 ? "y" : "ies")
                    + (policy.autoPromote() ? " to become healthy" : " to be promoted")
                    : "rolling out");
        }
        Deployment next = b.build();
        if (next.equals(d)) return d;
        return next.toBuilder().setModifyTime(Timestamps.fromMillis(now.toEpochMilli())).build();
    }

    private static void fail(Deployment.Builder b, Deployment d, UpdatePolicy policy, String why) {
        b.setStatus(DeploymentStatus.DEPLOYMENT_FAILED).setStatusDescription(why);
        if (policy.autoRevert() && d.getStableVersion() > 0) b.setRevertTo(d.getStableVersion());
    }
}
