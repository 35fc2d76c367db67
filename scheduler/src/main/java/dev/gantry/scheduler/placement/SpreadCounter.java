package dev.gantry.scheduler.placement;

/**
 * How many replicas of one job run per value of one attribute (per zone, per rack), for spread
 * and distinct_property. Built once from the table, then kept in step by {@link NodeTable} as
 * replicas are placed.
 */
final class SpreadCounter {
    final AttributeColumn column;
    private final int[] counts;

    SpreadCounter(String jobKey, AttributeColumn column, NodeSlot[] slots) {
        this.column = column;
        this.counts = new int[column.size()];
        for (NodeSlot s : slots) {
            Integer c = s.allocationsPerJob.get(jobKey);
            int v = column.valueOf(s);
            if (c != null && v != AttributeColumn.MISSING) counts[v] += c;
        }
    }

    void added(NodeSlot s) {
        int v = column.valueOf(s);
        if (v != AttributeColumn.MISSING) counts[v]++;
    }

    int count(int value) {
        return counts[value];
    }
}
