package dev.gantry.scheduler.placement;

/**
 * One question about whether a replica may go on a node. Built once per job and table
 * ({@link PlacementRequest}); {@link #reject} runs once per node on the hot path, so it must not
 * allocate: reasons are built when the check is.
 */
interface FeasibilityCheck {

    /** Null when the node passes; otherwise why not, as counted in explanations ("insufficient memory"). */
    String reject(NodeSlot node);
}
