package dev.gantry.agent.health;

import java.time.Instant;

/**
 * Whether one check currently passes, from the consecutive results of its probes: a passing
 * check fails after {@code failureThreshold} failures in a row, a failing one passes again
 * after {@code successThreshold} successes in a row, so one flap changes nothing. No probe
 * is due before the initial delay has passed since the task started. Pure: time is given,
 * never read. Thread-safe.
 */
public final class CheckState {
    private final CheckPolicy policy;
    private final Instant started;
    private boolean passing;
    private int successes;
    private int failures;
    private Instant lastProbe;
    private String detail;

    /**
     * @param initiallyPassing readiness starts failing (no traffic before a proof of life);
     *                         liveness starts passing (no restart before a proof of death)
     */
    public CheckState(CheckPolicy policy, Instant started, boolean initiallyPassing) {
        this.policy = policy;
        this.started = started;
        this.passing = initiallyPassing;
        this.detail = initiallyPassing ? "" : "not probed yet";
    }

    /** When the next probe should run: after the initial delay, then one interval after the last probe. */
    public synchronized Instant nextProbeAt() {
        Instant first = started.plus(policy.initialDelay());
        if (lastProbe == null) return first;
        Instant next = lastProbe.plus(policy.interval());
        return next.isBefore(first) ? first : next;
    }

    public synchronized boolean probeDue(Instant now) {
        return !now.isBefore(nextProbeAt());
    }

    /** Records a probe's result; returns true when this flipped the check between passing and failing. */
    public synchronized boolean record(ProbeResult result, Instant now) {
        lastProbe = now;
        detail = result.detail();
        if (result.ok()) {
            successes++;
            failures = 0;
            if (!passing && successes >= policy.successThreshold()) {
                passing = true;
                return true;
            }
        } else {
            failures++;
            successes = 0;
            if (passing && failures >= policy.failureThreshold()) {
                passing = false;
                return true;
            }
        }
        return false;
    }

    public synchronized boolean passing() {
        return passing;
    }

    /** What the last probe saw. */
    public synchronized String detail() {
        return detail;
    }

    public synchronized int consecutiveFailures() {
        return failures;
    }
}
