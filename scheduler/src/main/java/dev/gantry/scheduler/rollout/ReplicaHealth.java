package dev.gantry.scheduler.rollout;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.status.AllocationProblem;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.TaskState;

import java.time.Instant;
import java.util.Optional;

/**
 * A replica's health as traffic and rollouts see it. Ready: it should run, its agent says it
 * runs, and every task passes its readiness checks. Healthy (for a rollout): ready without a
 * break for {@code min_healthy_time}. Unhealthy: it failed, or was not healthy within
 * {@code healthy_deadline} of being placed.
 */
public final class ReplicaHealth {
    private ReplicaHealth() {
    }

    public static boolean ready(Allocation a) {
        return a.getDesiredStatus() == DesiredStatus.DESIRED_RUN && a.getClientStatus() == ClientStatus.CLIENT_RUNNING
                && a.getTaskStatesCount() > 0 && a.getTaskStatesMap().values().stream().allMatch(TaskState::getHealthy);
    }

    /** When the replica counts as healthy for a rollout; empty while it is not ready. */
    public static Optional<Instant> healthyAt(Allocation a, UpdatePolicy policy) {
        if (!ready(a) || !a.hasHealthySince()) return Optional.empty();
        return Optional.of(instant(a.getHealthySince()).plus(policy.minHealthyTime()));
    }

    public static boolean healthy(Allocation a, UpdatePolicy policy, Instant now) {
        return healthyAt(a, policy).map(t -> !t.isAfter(now)).orElse(false);
    }

    /** Why the replica failed its rollout, or empty while it is healthy or may still become so. */
    public static Optional<String> unhealthy(Allocation a, UpdatePolicy policy, Instant now) {
        if (a.getClientStatus() == ClientStatus.CLIENT_FAILED) {
            String why = AllocationProblem.describe(a);
            return Optional.of("replica " + a.getIndex() + " (" + a.getId() + ") failed" + (why.isEmpty() ? "" : ": " + why));
        }
        // A service replica that ended by itself (not one stopped as asked) will not become healthy.
        if (a.getClientStatus() == ClientStatus.CLIENT_COMPLETE
                && (a.getDesiredStatus() == DesiredStatus.DESIRED_RUN || a.hasFailedAt())) {
            String why = AllocationProblem.describe(a);
            return Optional.of("replica " + a.getIndex() + " (" + a.getId() + ") completed" + (why.isEmpty() ? "" : ": " + why)
                    + "; a service replica should keep running (restart policy on-failure does not restart a clean exit;"
                    + " policy always does)");
        }
        if (a.getDesiredStatus() != DesiredStatus.DESIRED_RUN || healthy(a, policy, now)) return Optional.empty();
        Instant deadline = instant(a.getCreateTime()).plus(policy.healthyDeadline());
        if (now.isBefore(deadline)) return Optional.empty();
        String why = a.getTaskStatesMap().values().stream().map(TaskState::getHealthMessage)
                .filter(m -> !m.isEmpty()).findFirst().orElse("");
        return Optional.of("replica " + a.getIndex() + " (" + a.getId() + ") not healthy within healthy_deadline "
                + policy.healthyDeadline().toSeconds() + "s" + (why.isEmpty() ? "" : ": " + why));
    }

    static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochMilli(Timestamps.toMillis(t));
    }
}
