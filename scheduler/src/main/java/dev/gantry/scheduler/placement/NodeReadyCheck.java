package dev.gantry.scheduler.placement;

/** Is the node up and accepting work (not cordoned or draining)? */
final class NodeReadyCheck implements FeasibilityCheck {
    static final NodeReadyCheck INSTANCE = new NodeReadyCheck();

    private NodeReadyCheck() {
    }

    @Override
    public String reject(NodeSlot node) {
        if (!node.ready) return "node not ready";
        if (node.draining) return "node draining";
        if (!node.eligible) return "node cordoned";
        return null;
    }
}
