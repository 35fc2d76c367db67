package dev.gantry.api.status;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What is wrong with an allocation, in one line that names the task and keeps the runtime's
 * own words ("task web: could not start: runc create failed: ... unable to apply caps:
 * operation not permitted"). One wording for `gantry status`, `ps`, events and rollouts.
 */
public final class AllocationProblem {
    private AllocationProblem() {
    }

    /**
     * The tasks' own messages, failed tasks first, then ended, pending (start failures,
     * restarts, pulls) and not-ready ones; the scheduler's status message when no task says
     * anything. Empty when nothing is worth saying.
     */
    public static String describe(Allocation a) {
        Map<String, TaskState> tasks = new TreeMap<>(a.getTaskStatesMap());
        List<String> parts = new ArrayList<>();
        for (TaskStatus wanted : new TaskStatus[]{TaskStatus.TASK_FAILED, TaskStatus.TASK_EXITED, TaskStatus.TASK_PENDING,
                TaskStatus.TASK_RUNNING}) {
            tasks.forEach((name, t) -> {
                if (t.getStatus() != wanted) return;
                String m = message(t);
                if (!m.isEmpty()) parts.add("task " + name + ": " + m);
            });
        }
        if (parts.isEmpty()) return a.getStatusMessage();
        return String.join("; ", parts);
    }

    private static String message(TaskState t) {
        return switch (t.getStatus()) {
            case TASK_RUNNING -> t.getHealthy() ? "" : t.getHealthMessage();
            case TASK_EXITED, TASK_FAILED -> !t.getMessage().isEmpty() ? t.getMessage()
                    : t.getHasExit() ? "exited with " + t.getLastExitCode() + (t.getOomKilled() ? " (OOM killed)" : "") : "";
            default -> t.getMessage();
        };
    }
}
