package dev.gantry.agent.health;

import dev.gantry.api.v1.Check;

import java.time.Duration;

/** The timing and thresholds of one check, with the defaults filled in. */
public record CheckPolicy(Duration interval, Duration timeout, Duration initialDelay, int failureThreshold,
                          int successThreshold) {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    static final int DEFAULT_FAILURE_THRESHOLD = 3;

    public CheckPolicy {
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval must be positive");
        if (failureThreshold < 1 || successThreshold < 1) throw new IllegalArgumentException("thresholds must be >= 1");
    }

    public static CheckPolicy of(Check check) {
        return new CheckPolicy(
                check.hasInterval() ? duration(check.getInterval()) : DEFAULT_INTERVAL,
                check.hasTimeout() ? duration(check.getTimeout()) : DEFAULT_TIMEOUT,
                check.hasInitialDelay() ? duration(check.getInitialDelay()) : Duration.ZERO,
                check.getFailureThreshold() > 0 ? check.getFailureThreshold() : DEFAULT_FAILURE_THRESHOLD,
                Math.max(1, check.getSuccessThreshold()));
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
}
