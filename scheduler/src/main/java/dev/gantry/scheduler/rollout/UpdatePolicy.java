package dev.gantry.scheduler.rollout;

import com.google.protobuf.util.Durations;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.UpdateStrategy;

import java.time.Duration;

/**
 * A job's update strategy with defaults filled in and percentages resolved against its count
 * (after Kubernetes: max_surge rounds up, max_unavailable down, 25% each by default; both 0
 * would never progress, so unavailable becomes 1). Durations default as in Nomad, but for min_healthy_time: 5s (Swarm's update monitor) keeps `gantry run` quick.
 */
public record UpdatePolicy(int maxSurge, int maxUnavailable, Duration minHealthyTime, Duration healthyDeadline,
                           Duration progressDeadline, boolean autoRevert, int canary, boolean autoPromote,
                           Duration stagger) {
    public static final String DEFAULT_MAX_SURGE = "25%";
    public static final String DEFAULT_MAX_UNAVAILABLE = "25%";
    public static final Duration DEFAULT_MIN_HEALTHY_TIME = Duration.ofSeconds(5);
    public static final Duration DEFAULT_HEALTHY_DEADLINE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);

    public static UpdatePolicy of(Job job) {
        UpdateStrategy u = job.getUpdate();
        int count = job.getCount();
        int surge = resolve(u.getMaxSurge().isEmpty() ? DEFAULT_MAX_SURGE : u.getMaxSurge(), count, true);
        int unavailable = resolve(u.getMaxUnavailable().isEmpty() ? DEFAULT_MAX_UNAVAILABLE : u.getMaxUnavailable(), count, false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return new UpdatePolicy(surge, unavailable,
                u.hasMinHealthyTime() ? duration(u.getMinHealthyTime()) : DEFAULT_MIN_HEALTHY_TIME,
                u.hasHealthyDeadline() ? duration(u.getHealthyDeadline()) : DEFAULT_HEALTHY_DEADLINE,
                u.hasProgressDeadline() ? duration(u.getProgressDeadline()) : DEFAULT_PROGRESS_DEADLINE,
                u.getAutoRevert(), Math.max(0, u.getCanary()), u.getAutoPromote(),
                u.hasStagger() ? duration(u.getStagger()) : Duration.ZERO);
    }

    /** "2" or "25%" of {@code count}; a value the validator would reject counts as 0. */
    static int resolve(String value, int count, boolean roundUp) {
        try {
            if (value.endsWith("%")) {
                int percent = Integer.parseInt(value.substring(0, value.length() - 1));
                long scaled = (long) percent * count;
                return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
            }
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Duration duration(com.google.protobuf.Duration d) {
        return Duration.ofMillis(Durations.toMillis(d));
    }
}
