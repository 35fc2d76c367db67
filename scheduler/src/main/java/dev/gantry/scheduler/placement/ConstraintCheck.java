package dev.gantry.scheduler.placement;

/**
 * Does the node meet one hard constraint on an attribute? The rule is evaluated once per
 * distinct value of the attribute in the table, so the per-node test is an array lookup.
 */
final class ConstraintCheck implements FeasibilityCheck {
    private final AttributeColumn column;
    private final boolean[] meets;
    private final String reason;

    ConstraintCheck(AttributeRule rule, AttributeColumn column) {
        this.column = column;
        this.meets = column.evaluate(rule);
        this.reason = "constraint " + rule.describe() + " not met";
    }

    @Override
    public String reject(NodeSlot node) {
        return meets[column.ruleIndex(node)] ? null : reason;
    }
}
