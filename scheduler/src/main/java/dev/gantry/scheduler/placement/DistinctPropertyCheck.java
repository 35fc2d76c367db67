package dev.gantry.scheduler.placement;

/**
 * distinct_property: may one more replica of this job run on nodes sharing this node's value of
 * the attribute (rack, zone)? At most {@code limit} may; a node without the attribute may take
 * none. Counts come from a {@link SpreadCounter}, which the table keeps in step as replicas are
 * placed, so they include the job's replicas that should run and those placed earlier in the same
 * evaluation, as distinct_hosts counts them.
 */
final class DistinctPropertyCheck implements FeasibilityCheck {
    static final String OPERATOR = "distinct_property";

    private final SpreadCounter counter;
    private final int limit;
    private final String reached;
    private final String missing;
    private final String invalid;

    DistinctPropertyCheck(String attribute, String value, SpreadCounter counter) {
        this.counter = counter;
        this.limit = limit(value);
        this.reached = "constraint " + OPERATOR + " " + attribute + " limit " + limit + " reached";
        this.missing = "constraint " + OPERATOR + " " + attribute + " not set";
        this.invalid = "constraint " + OPERATOR + " " + attribute + " has an invalid limit \"" + value + "\"";
    }

    /** The constraint's value as the limit: empty means 1; anything but a positive integer is 0 (never met). */
    static int limit(String value) {
        String v = value.trim();
        if (v.isEmpty()) return 1;
        try {
            return Math.max(0, Integer.parseInt(v));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String reject(NodeSlot node) {
        // A value the validator should have refused places nothing, rather than placing without the limit.
        if (limit < 1) return invalid;
        int value = counter.column.valueOf(node);
        if (value == AttributeColumn.MISSING) return missing;
        return counter.count(value) >= limit ? reached : null;
    }
}
