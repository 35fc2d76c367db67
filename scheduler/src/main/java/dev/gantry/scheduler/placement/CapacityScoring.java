package dev.gantry.scheduler.placement;

/**
 * How free capacity counts when choosing among feasible nodes: a cluster-wide setting.
 * Bin-packing keeps whole nodes free for big jobs and for draining; spreading keeps load
 * (and the blast radius of one node) small.
 */
public enum CapacityScoring {
    /** Prefer the node that is fullest after the placement. */
    BIN_PACK,
    /** Prefer the node with the most capacity left after the placement. */
    SPREAD
}
