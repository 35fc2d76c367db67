package dev.gantry.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Latency samples in milliseconds, summarised as p50/p90/p99/max. */
final class Percentiles {
    private final List<Double> samples = new ArrayList<>();

    void add(double millis) {
        samples.add(millis);
    }

    int size() {
        return samples.size();
    }

    double at(double q) {
        List<Double> s = new ArrayList<>(samples);
        Collections.sort(s);
        int i = (int) Math.ceil(q * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }

    String summary() {
        return String.format("n=%d p50=%.1fms p90=%.1fms p99=%.1fms max=%.1fms", samples.size(), at(0.5), at(0.9), at(0.99), at(1.0));
    }
}
