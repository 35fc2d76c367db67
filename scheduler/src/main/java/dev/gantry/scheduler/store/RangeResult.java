package dev.gantry.scheduler.store;

import java.util.List;

/** Keys read together, and the store revision they were read at (to watch from {@code revision + 1}). */
public record RangeResult(List<KeyValue> kvs, long revision) {
}
