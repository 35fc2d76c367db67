package dev.gantry.api.status;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AllocationProblemTest {
    private static TaskState task(TaskStatus s, String message) {
        return TaskState.newBuilder().setStatus(s).setMessage(message).build();
    }

    @Test
    void failedTasksComeFirstAndEachIsNamed() {
        Allocation a = Allocation.newBuilder()
                .putTaskStates("web", task(TaskStatus.TASK_PENDING, "restarting in 2000ms after a failed start: boom"))
                .putTaskStates("db", task(TaskStatus.TASK_FAILED, "could not start: unable to apply caps"))
                .putTaskStates("cache", TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).setHealthy(true).build())
                .build();
        assertThat(AllocationProblem.describe(a)).isEqualTo(
                "task db: could not start: unable to apply caps; task web: restarting in 2000ms after a failed start: boom");
    }

    @Test
    void anExitWithoutAMessageSaysItsCodeAndARunningTaskItsReadiness() {
        Allocation a = Allocation.newBuilder()
                .putTaskStates("a", TaskState.newBuilder().setStatus(TaskStatus.TASK_EXITED).setHasExit(true).setLastExitCode(137)
                        .setOomKilled(true).build())
                .putTaskStates("b", TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).setHealthy(false)
                        .setHealthMessage("readiness check ready failing: HTTP 500").build())
                .build();
        assertThat(AllocationProblem.describe(a)).isEqualTo(
                "task a: exited with 137 (OOM killed); task b: readiness check ready failing: HTTP 500");
    }

    @Test
    void withoutTaskMessagesTheSchedulersReasonIsUsed() {
        Allocation a = Allocation.newBuilder().setStatusMessage("node n1 is down")
                .putTaskStates("web", TaskState.newBuilder().setStatus(TaskStatus.TASK_RUNNING).setHealthy(true).build()).build();
        assertThat(AllocationProblem.describe(a)).isEqualTo("node n1 is down");
        assertThat(AllocationProblem.describe(Allocation.getDefaultInstance())).isEmpty();
    }
}
