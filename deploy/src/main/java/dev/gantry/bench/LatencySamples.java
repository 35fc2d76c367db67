package dev.gantry.bench;

import java.util.Arrays;

/** Latencies in nanoseconds, compact (one long each), summarised in microseconds; for sub-millisecond figures. */
final class LatencySamples {
    private long[] nanos = new long[1 << 16];
    private int size;

    void add(long n) {
        if (size == nanos.length) nanos = Arrays.copyOf(nanos, size * 2);
        nanos[size++] = n;
    }

    void addAll(LatencySamples other) {
        for (int i = 0; i < other.size; i++) add(other.nanos[i]);
    }

    int size() {
        return size;
    }

    /** The q-quantile in microseconds (nearest rank); 0 when empty. */
    double micros(double q) {
        if (size == 0) return 0;
        long[] s = Arrays.copyOf(nanos, size);
        Arrays.sort(s);
        int i = (int) Math.ceil(q * size) - 1;
        return s[Math.max(0, Math.min(size - 1, i))] / 1_000.0;
    }

    String summary() {
        return String.format("p50=%.0fµs p99=%.0fµs p99.9=%.0fµs max=%.0fµs", micros(0.5), micros(0.99), micros(0.999), micros(1.0));
    }
}
