package dev.gantry.scheduler.rollout;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.api.v1.UpdateStrategy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

/** A failed rollout says what failed and why, in the runtime's words or the placement's. */
class RolloutFailureReasonTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final Job web = job("web", 1, 100, 64).toBuilder()
            .setUpdate(UpdateStrategy.newBuilder().setProgressDeadline(com.google.protobuf.Duration.newBuilder().setSeconds(30))).build();
    private final Deployment started = DeploymentTracker.start(web, null, false, T0);

    private static Allocation withTask(Allocation a, TaskState t) {
        return a.toBuilder().setCreateTime(Timestamps.fromMillis(T0.plusSeconds(1).toEpochMilli())).putTaskStates("main", t).build();
    }

    @Test
    void aReplicaThatCouldNotStartFailsTheRolloutWithTheRuntimesMessage() {
        Allocation failed = withTask(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_FAILED), TaskState.newBuilder()
                .setStatus(TaskStatus.TASK_FAILED).setMessage("could not start: runc create failed: unable to apply caps: "
                        + "operation not permitted (restart policy is never)").build());
        Deployment d = DeploymentTracker.observe(started, web, List.of(failed), T0.plusSeconds(2));
        assertThat(d.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_FAILED);
        assertThat(d.getStatusDescription()).isEqualTo("replica 0 (a0) failed: task main: could not start: runc create "
                + "failed: unable to apply caps: operation not permitted (restart policy is never)");
    }

    @Test
    void aServiceReplicaThatExitedFailsTheRolloutAtOnce() {
        Allocation done = withTask(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_COMPLETE), TaskState.newBuilder()
                .setStatus(TaskStatus.TASK_EXITED).setHasExit(true).setLastExitCode(0).setMessage("exited with 0").build());
        Deployment d = DeploymentTracker.observe(started, web, List.of(done), T0.plusSeconds(2));
        assertThat(d.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_FAILED);
        assertThat(d.getStatusDescription()).startsWith("replica 0 (a0) completed: task main: exited with 0; a service replica "
                + "should keep running");
    }

    @Test
    void aReplicaStoppedAsAskedIsNoFailure() {
        Allocation stopped = withTask(alloc("a0", web, 0, "n1", ClientStatus.CLIENT_COMPLETE), TaskState.newBuilder()
                .setStatus(TaskStatus.TASK_EXITED).setMessage("stopped").build()).toBuilder()
                .setDesiredStatus(DesiredStatus.DESIRED_STOP).build();
        Allocation running = withTask(alloc("a1", web, 0, "n2", ClientStatus.CLIENT_PENDING),
                TaskState.newBuilder().setStatus(TaskStatus.TASK_PENDING).build());
        Deployment d = DeploymentTracker.observe(started, web, List.of(stopped, running), T0.plusSeconds(2));
        assertThat(d.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_RUNNING);
    }

    @Test
    void theProgressDeadlineNamesWhyReplicasCouldNotBePlaced() {
        Deployment d = DeploymentTracker.observe(started, web, List.of(), T0.plusSeconds(31),
                "1 replica not placed: 1 node evaluated: 1 port 6379 in use");
        assertThat(d.getStatus()).isEqualTo(DeploymentStatus.DEPLOYMENT_FAILED);
        assertThat(d.getStatusDescription()).isEqualTo("progress deadline exceeded: no replica became healthy within 30s; "
                + "1 replica not placed: 1 node evaluated: 1 port 6379 in use");
    }
}
