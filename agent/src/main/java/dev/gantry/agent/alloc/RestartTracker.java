package dev.gantry.agent.alloc;

import dev.gantry.api.v1.RestartPolicy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Decides, after a task exits, whether to restart it and after what delay (after Nomad's
 * restart tracker). Pure: time comes in as arguments. Restarts are counted within a sliding
 * {@code interval}; the delay doubles with each restart in the window, capped at 5 minutes.
 */
public final class RestartTracker {
    static final Duration MAX_DELAY = Duration.ofMinutes(5);

    private final RestartPolicy policy;
    private final Deque<Instant> restarts = new ArrayDeque<>();
    private int total;

    public RestartTracker(RestartPolicy policy) {
        this(policy, 0);
    }

    /**
     * Continues the count of an earlier agent process ({@code previousTotal} restarts). Only the
     * total carries over: the sliding window starts empty, so attempts are counted afresh.
     */
    public RestartTracker(RestartPolicy policy, int previousTotal) {
        this.policy = policy;
        this.total = Math.max(0, previousTotal);
    }

    /** What to do with a task that just ended. */
    public sealed interface Decision {
        record Restart(Duration delay) implements Decision { }

        /** Ended as the policy wants it to stay ended (exit 0 under on-failure, or never). */
        record Done(String reason) implements Decision { }

        /**
         * Attempts exhausted: the allocation fails and is rescheduled. {@code exit} says how the
         * task ended, {@code policy} why the policy gives up.
         */
        record GiveUp(String exit, String policy) implements Decision {
            public String reason() {
                return exit + "; " + policy;
            }
        }
    }

    public Decision onExit(int exitCode, boolean oomKilled, Instant now) {
        return onExit(exitCode, oomKilled, false, now);
    }

    /**
     * {@code killedAsUnhealthy}: the agent killed the task because its liveness check failed.
     * That is a failure whatever the exit code (a task that exits 0 on SIGTERM still failed).
     */
    public Decision onExit(int exitCode, boolean oomKilled, boolean killedAsUnhealthy, Instant now) {
        boolean failed = exitCode != 0 || oomKilled || killedAsUnhealthy;
        RestartPolicy.Mode mode = policy.getMode() == RestartPolicy.Mode.MODE_UNSPECIFIED
                ? RestartPolicy.Mode.ON_FAILURE : policy.getMode();
        if (mode == RestartPolicy.Mode.NEVER) {
            return failed ? new Decision.GiveUp((killedAsUnhealthy ? "killed as unhealthy, " : "") + "exited with "
                    + describe(exitCode, oomKilled), "restart policy is never")
                    : new Decision.Done("exited with 0");
        }
        if (mode == RestartPolicy.Mode.ON_FAILURE && !failed) return new Decision.Done("exited with 0");

        Duration interval = Duration.ofSeconds(policy.getInterval().getSeconds(), policy.getInterval().getNanos());
        while (!restarts.isEmpty() && !interval.isZero() && restarts.peekFirst().isBefore(now.minus(interval))) {
            restarts.removeFirst();
        }
        if (restarts.size() >= policy.getAttempts()) {
            return new Decision.GiveUp("exited with " + describe(exitCode, oomKilled), policy.getAttempts()
                    + " restart attempts used within " + interval.toSeconds() + "s");
        }
        Duration base = Duration.ofSeconds(policy.getDelay().getSeconds(), policy.getDelay().getNanos());
        Duration delay = base.multipliedBy(1L << Math.min(restarts.size(), 20));
        if (delay.compareTo(MAX_DELAY) > 0) delay = MAX_DELAY;
        restarts.addLast(now);
        total++;
        return new Decision.Restart(delay);
    }

    /** Restarts made over the task's whole life (shown by `gantry status`). */
    public int total() {
        return total;
    }

    static String describe(int exitCode, boolean oomKilled) {
        return oomKilled ? exitCode + " (OOM killed)" : String.valueOf(exitCode);
    }
}
