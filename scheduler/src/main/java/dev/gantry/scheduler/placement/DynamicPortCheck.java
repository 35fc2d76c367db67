package dev.gantry.scheduler.placement;

/**
 * Are enough ports left in the node's dynamic range? The job's own static ports inside the
 * range count as taken, since they are reserved together with the dynamic ones.
 */
final class DynamicPortCheck implements FeasibilityCheck {
    private final int count;
    private final int[] staticPorts;

    DynamicPortCheck(int count, int[] staticPorts) {
        this.count = count;
        this.staticPorts = staticPorts.clone();
    }

    @Override
    public String reject(NodeSlot node) {
        long free = (long) node.dynamicRangeSize() - node.dynamicUsed;
        for (int p : staticPorts) {
            if (p >= node.portLow && p <= node.portHigh && !node.usedPorts.contains(p)) free--;
        }
        return free < count ? "dynamic ports exhausted" : null;
    }
}
