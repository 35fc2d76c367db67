package dev.gantry.scheduler.placement;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spreads a job's replicas over the values of attributes (zones, racks). Each value has a
 * desired share of the job's count: its target percentage, or, without targets, an equal
 * share of the values that ready nodes have. Values not named in the targets share what the
 * targets leave below 100%. A node scores (desired - placed) / desired for its value, within
 * -1..1: the most under-filled value wins, and a value with no share, or a node without the
 * attribute, scores -1 (as Nomad's spread boost). Several spread blocks are averaged.
 */
final class SpreadScorer implements Scorer {
    private static final Pattern PERCENT = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*%?\\s*");

    /** One spread block: live counts and each value's share (0..1) of the job. */
    record Term(SpreadCounter counter, double[] share) {
    }

    private final Term[] terms;
    private final int count;

    SpreadScorer(List<Term> terms, int count) {
        this.terms = terms.toArray(Term[]::new);
        this.count = count;
    }

    @Override
    public String name() {
        return "spread";
    }

    @Override
    public double score(NodeSlot n) {
        double sum = 0;
        for (Term t : terms) sum += boost(t, n);
        return sum / terms.length;
    }

    private double boost(Term t, NodeSlot n) {
        int v = t.counter.column.valueOf(n);
        if (v == AttributeColumn.MISSING) return -1;
        double desired = t.share[v] * count;
        if (desired <= 0) return -1;
        double b = (desired - t.counter.count(v)) / desired;
        return Math.max(-1, Math.min(1, b));
    }

    /** Each value's share of the job from the targets ("50%"), as described on the class. */
    static double[] shares(AttributeColumn column, Map<String, String> targets) {
        double[] share = new double[column.size()];
        double named = 0;
        int unnamed = 0;
        for (int v = 0; v < column.size(); v++) {
            String target = targets.get(column.value(v));
            if (target != null) {
                share[v] = percent(target) / 100;
                named += share[v];
            } else if (column.schedulable(v)) {
                unnamed++;
            }
        }
        double rest = Math.max(0, 1 - named);
        for (int v = 0; v < column.size(); v++) {
            if (!targets.containsKey(column.value(v)) && column.schedulable(v)) share[v] = rest / unnamed;
        }
        return share;
    }

    private static double percent(String target) {
        Matcher m = PERCENT.matcher(target);
        return m.matches() ? Double.parseDouble(m.group(1)) : 0;
    }
}
