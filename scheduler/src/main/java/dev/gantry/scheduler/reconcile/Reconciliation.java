package dev.gantry.scheduler.reconcile;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;

import java.util.List;

/**
 * What reconcile decided for one job: replica indexes to place (with the node a replica just
 * failed on, to avoid), allocations to stop with the reason, and allocations that already
 * run the job's template and only move to its current version (no restart). {@code stepped}:
 * a rollout replaced outdated replicas in this round (the clock for {@code stagger}).
 */
public record Reconciliation(List<Placement> place, List<Stop> stop, List<Allocation> retag, boolean stepped) {

    public Reconciliation(List<Placement> place, List<Stop> stop) {
        this(place, stop, List.of(), false);
    }

    public boolean isEmpty() {
        return place.isEmpty() && stop.isEmpty() && retag.isEmpty();
    }

    /** A replica to place; {@code avoidNode} is empty or the node its predecessor failed on. */
    public record Placement(int index, String avoidNode, boolean canary) {
        public Placement(int index, String avoidNode) {
            this(index, avoidNode, false);
        }
    }

    /** Stop this allocation; {@code clientStatus} is LOST when its node is gone, else unchanged. */
    public record Stop(Allocation allocation, ClientStatus clientStatus, String reason) {
    }
}
