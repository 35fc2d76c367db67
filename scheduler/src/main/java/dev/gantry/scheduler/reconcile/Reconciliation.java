package dev.gantry.scheduler.reconcile;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;

import java.time.Instant;
import java.util.List;

/**
 * What reconcile decided for one job: replica indexes to place (with the node a replica just
 * failed on, to avoid), allocations to stop with the reason, and allocations that already
 * run the job's template and only move to its current version (no restart). {@code stepped}:
 * a rollout replaced outdated replicas in this round (the clock for {@code stagger}).
 * {@code deferred}: replicas not placed yet because their predecessors failed recently.
 */
public record Reconciliation(List<Placement> place, List<Stop> stop, List<Allocation> retag, boolean stepped,
                             List<Deferred> deferred) {

    public Reconciliation(List<Placement> place, List<Stop> stop) {
        this(place, stop, List.of(), false, List.of());
    }

    public boolean isEmpty() {
        return place.isEmpty() && stop.isEmpty() && retag.isEmpty();
    }

    /**
     * A replica to place; {@code avoidNode} is empty or the node its predecessor failed on;
     * {@code attempt}: 0, or which replacement of a failed predecessor it is ({@link ReschedulePolicy}).
     */
    public record Placement(int index, String avoidNode, boolean canary, int attempt) {
        public Placement(int index, String avoidNode) {
            this(index, avoidNode, false, 0);
        }

        public Placement(int index, String avoidNode, boolean canary) {
            this(index, avoidNode, canary, 0);
        }
    }

    /**
     * Stop this allocation; {@code clientStatus} is LOST when its node is gone, else unchanged.
     * {@code failure}: it failed or completed, so its replacement waits ({@link ReschedulePolicy}).
     */
    public record Stop(Allocation allocation, ClientStatus clientStatus, String reason, boolean failure) {
        public Stop(Allocation allocation, ClientStatus clientStatus, String reason) {
            this(allocation, clientStatus, reason, false);
        }
    }

    /**
     * A replica whose replacement waits until {@code notBefore} after its predecessor failed;
     * {@code attempt} is the replacement's number and {@code lastFailure} what went wrong.
     */
    public record Deferred(int index, Instant notBefore, int attempt, String lastFailure) {
    }
}
