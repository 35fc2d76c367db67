package dev.gantry.scheduler.reconcile;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Node;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Settles the healthy, current allocations of one replica index (oldest first) into the one
 * to keep and those to stop.
 *
 * <p>Without drains, the oldest is kept and the others are duplicates. A replica on a
 * draining node is replaced before it stops: the oldest copy elsewhere is its successor,
 * and the draining copy keeps serving until that successor runs, then stops. Past the
 * node's drain deadline the draining copy stops at once, successor or not, and the index is
 * placed as if it were missing.
 */
record ReplicaSlot(Allocation kept, Allocation predecessor, List<Reconciliation.Stop> stop) {

    static ReplicaSlot settle(List<Allocation> oldestFirst, Map<String, Node> nodes, Instant now) {
        List<Reconciliation.Stop> stop = new ArrayList<>();
        Allocation successor = null;
        Allocation draining = null;
        for (Allocation a : oldestFirst) {
            boolean onDraining = nodes.get(a.getNodeId()).getDraining();
            if (!onDraining && successor == null) {
                successor = a;
            } else if (onDraining && draining == null) {
                draining = a;
            } else {
                stop.add(new Reconciliation.Stop(a, a.getClientStatus(), "duplicate of replica " + a.getIndex()));
            }
        }
        if (draining != null) {
            Node node = nodes.get(draining.getNodeId());
            if (pastDeadline(node, now)) {
                stop.add(new Reconciliation.Stop(draining, draining.getClientStatus(),
                        "node " + node.getName() + " drained: deadline reached"));
                draining = null;
            } else if (successor != null && successor.getClientStatus() == ClientStatus.CLIENT_RUNNING) {
                stop.add(new Reconciliation.Stop(draining, draining.getClientStatus(),
                        "node " + node.getName() + " drained: replaced by " + successor.getId()));
                draining = null;
            }
        }
        return new ReplicaSlot(successor, draining, List.copyOf(stop));
    }

    private static boolean pastDeadline(Node node, Instant now) {
        return node.hasDrainDeadline() && !now.isBefore(Instant.ofEpochMilli(Timestamps.toMillis(node.getDrainDeadline())));
    }

    /** Nothing serves this index any more: place it as a missing replica. */
    boolean needsPlacement() {
        return kept == null && predecessor == null;
    }

    /** Only the draining copy serves this index: it wants a replacement elsewhere. */
    boolean needsMigration() {
        return kept == null && predecessor != null;
    }

    /** A replacement was placed and its draining predecessor waits for it to run. */
    boolean migrating() {
        return kept != null && predecessor != null;
    }

    /** The node the draining copy runs on, for the replacement to avoid. */
    String drainingNode() {
        return predecessor.getNodeId();
    }
}
