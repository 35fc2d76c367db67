package dev.gantry.scheduler.placement;

/** -1 on the node the replica's predecessor just failed on, so a replacement tries elsewhere first. */
final class AvoidNodeScorer implements Scorer {
    private final String nodeId;

    AvoidNodeScorer(String nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public String name() {
        return "avoid";
    }

    @Override
    public double score(NodeSlot n) {
        return n.id.equals(nodeId) ? -1 : 0;
    }
}
