package dev.gantry.scheduler.placement;

import java.util.HashSet;
import java.util.Set;

/**
 * The ports taken on one node: an open-addressing set of ints, so that port checks on the
 * placement hot path neither box nor allocate. Ports are only ever added within one table
 * (a table kept across evaluations clears a node's set and adds its ports again).
 */
final class PortSet {
    private static final int EMPTY = 0;   // port 0 is never allocated
    private int[] slots = new int[16];
    private int size;

    boolean contains(int port) {
        int mask = slots.length - 1;
        for (int i = mix(port) & mask; ; i = (i + 1) & mask) {
            int v = slots[i];
            if (v == port) return true;
            if (v == EMPTY) return false;
        }
    }

    /** Returns false when the port was already in the set. */
    boolean add(int port) {
        if (port == EMPTY || contains(port)) return false;
        if ((size + 1) * 2 > slots.length) grow();
        insert(slots, port);
        size++;
        return true;
    }

    void clear() {
        slots = new int[16];
        size = 0;
    }

    int size() {
        return size;
    }

    Set<Integer> toSet() {
        Set<Integer> out = new HashSet<>();
        for (int v : slots) if (v != EMPTY) out.add(v);
        return out;
    }

    private void grow() {
        int[] bigger = new int[slots.length * 2];
        for (int v : slots) if (v != EMPTY) insert(bigger, v);
        slots = bigger;
    }

    private static void insert(int[] table, int port) {
        int mask = table.length - 1;
        int i = mix(port) & mask;
        while (table[i] != EMPTY) i = (i + 1) & mask;
        table[i] = port;
    }

    private static int mix(int x) {
        int h = x * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
