package dev.gantry.scheduler.reconcile;

import com.google.protobuf.Timestamp;
import dev.gantry.api.v1.Allocation;

import java.time.Duration;
import java.time.Instant;

/**
 * How long the replacement of a replica that failed (or, a service, completed) waits: {@code base}
 * before the first replacement, doubling with each further one at the same index, capped at
 * {@code cap} (after Nomad's reschedule policy with an exponential delay). The count starts
 * again when the failed replica had run for {@code resetAfter} since its last start, so a
 * crash after days of service is replaced quickly while a crash loop backs off. Pure.
 */
public record ReschedulePolicy(Duration base, Duration cap, Duration resetAfter) {
    public static final ReschedulePolicy DEFAULT = new ReschedulePolicy(Duration.ofSeconds(5), Duration.ofMinutes(5),
            Duration.ofMinutes(10));

    public ReschedulePolicy {
        if (base.isNegative() || cap.compareTo(base) < 0) throw new IllegalArgumentException("need 0 <= base <= cap");
    }

    /** The attempt number that the replacement of {@code failed} (failed at {@code failedAt}) carries: 1, 2, ... */
    public int nextAttempt(Allocation failed, Instant failedAt) {
        Instant lastStart = failed.getTaskStatesMap().values().stream()
                .filter(t -> t.hasStartedAt()).map(t -> instant(t.getStartedAt()))
                .max(Instant::compareTo).orElse(null);
        if (lastStart != null && !lastStart.plus(resetAfter).isAfter(failedAt)) return 1;
        return failed.getRescheduleAttempt() + 1;
    }

    /** The wait before replacement number {@code attempt} (1 for the first). */
    public Duration delay(int attempt) {
        int doublings = Math.min(Math.max(attempt - 1, 0), 30);
        Duration d = base.multipliedBy(1L << doublings);
        return d.compareTo(cap) > 0 ? cap : d;
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
