package dev.gantry.scheduler.placement;

/**
 * Adds one named part to a feasible node's score; the node with the highest sum wins.
 * Parts stay roughly within [-1, 1] so that no scorer drowns the others by scale alone.
 * Built once per job and table; {@link #score} runs per feasible node and must not allocate.
 */
interface Scorer {

    /** The key of this part in {@link PlacementOutcome#scores()}. */
    String name();

    double score(NodeSlot node);
}
