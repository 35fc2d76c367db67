package dev.gantry.scheduler.reconcile;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;

import java.util.List;

/**
 * What reconcile decided for one job: replica indexes to place (with the node a replica just
 * failed on, to avoid), and allocations to stop with the reason.
 */
public record Reconciliation(List<Placement> place, List<Stop> stop) {

    public boolean isEmpty() {
        return place.isEmpty() && stop.isEmpty();
    }

    /** A replica to place; {@code avoidNode} is empty or the node its predecessor failed on. */
    public record Placement(int index, String avoidNode) {
    }

    /** Stop this allocation; {@code clientStatus} is LOST when its node is gone, else unchanged. */
    public record Stop(Allocation allocation, ClientStatus clientStatus, String reason) {
    }
}
