package dev.gantry.scheduler.eval;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.DesiredStatus;

import java.time.Duration;
import java.time.Instant;

/**
 * Which finished allocations may leave the store: those told to stop whose agent reported
 * them ended (complete, failed or lost) longer than {@code retention} ago. Until then they
 * stay visible (`gantry ps --all`, `gantry logs`) for whoever investigates. Pure.
 */
public record AllocationRetention(Duration retention) {
    public static final AllocationRetention DEFAULT = new AllocationRetention(Duration.ofHours(1));

    public boolean collectable(Allocation a, Instant now) {
        if (a.getDesiredStatus() != DesiredStatus.DESIRED_STOP) return false;
        boolean ended = switch (a.getClientStatus()) {
            case CLIENT_COMPLETE, CLIENT_FAILED, CLIENT_LOST -> true;
            default -> false;
        };
        if (!ended) return false;
        Instant changed = Instant.ofEpochSecond(a.getModifyTime().getSeconds(), a.getModifyTime().getNanos());
        return changed.plus(retention).isBefore(now);
    }
}
