package dev.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One attribute across all nodes of a table, with its distinct values numbered. Rules are
 * evaluated once per distinct value (a regexp runs once per zone, not once per node), and
 * spread counts replicas per value number. Built once per table and attribute.
 */
final class AttributeColumn {
    static final int MISSING = -1;

    private final int[] valueBySlot;
    private final List<String> values;
    /** Whether some ready, eligible node has the value: spread shares out only over those. */
    private final boolean[] schedulable;

    AttributeColumn(NodeAttribute attribute, NodeSlot[] slots) {
        Map<String, Integer> numbers = new HashMap<>();
        values = new ArrayList<>();
        valueBySlot = new int[slots.length];
        List<Boolean> usable = new ArrayList<>();
        for (NodeSlot s : slots) {
            String v = attribute.valueOf(s);
            if (v == null) {
                valueBySlot[s.index] = MISSING;
                continue;
            }
            int number = numbers.computeIfAbsent(v, k -> {
                values.add(k);
                usable.add(false);
                return values.size() - 1;
            });
            valueBySlot[s.index] = number;
            if (s.ready && s.eligible && !s.draining) usable.set(number, true);
        }
        schedulable = new boolean[values.size()];
        for (int i = 0; i < schedulable.length; i++) schedulable[i] = usable.get(i);
    }

    int valueOf(NodeSlot s) {
        return valueBySlot[s.index];
    }

    int size() {
        return values.size();
    }

    String value(int number) {
        return values.get(number);
    }

    boolean schedulable(int number) {
        return schedulable[number];
    }

    /** The rule's answer per value number, plus (at index {@code size()}) for a node without the attribute. */
    boolean[] evaluate(AttributeRule rule) {
        boolean[] out = new boolean[values.size() + 1];
        for (int i = 0; i < values.size(); i++) out[i] = rule.matches(values.get(i));
        out[values.size()] = rule.matches(null);
        return out;
    }

    /** Index into an {@link #evaluate} result for this node. */
    int ruleIndex(NodeSlot s) {
        int v = valueBySlot[s.index];
        return v == MISSING ? values.size() : v;
    }
}
