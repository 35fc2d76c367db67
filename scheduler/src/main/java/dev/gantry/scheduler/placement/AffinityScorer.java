package dev.gantry.scheduler.placement;

import java.util.List;

/**
 * Weighted soft preferences: the sum of the weights of the affinities a node meets, divided by
 * the sum of all weights' magnitudes, so -1..1 (as Nomad). A negative weight repels.
 */
final class AffinityScorer implements Scorer {
    /** One affinity compiled against the table: its answer per attribute value. */
    record Term(AttributeColumn column, boolean[] meets, int weight) {
    }

    private final Term[] terms;
    private final double totalWeight;

    AffinityScorer(List<Term> terms) {
        this.terms = terms.toArray(Term[]::new);
        this.totalWeight = terms.stream().mapToDouble(t -> Math.abs(t.weight())).sum();
    }

    @Override
    public String name() {
        return "affinity";
    }

    @Override
    public double score(NodeSlot n) {
        if (totalWeight == 0) return 0;
        double sum = 0;
        for (Term t : terms) {
            if (t.meets[t.column.ruleIndex(n)]) sum += t.weight;
        }
        return sum / totalWeight;
    }
}
