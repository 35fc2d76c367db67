package dev.gantry.scheduler.store;

/**
 * One stored key at a revision. {@code modRevision} is what compare-and-swap writes check;
 * {@code lease} is 0 when the key has none.
 */
public record KeyValue(String key, byte[] value, long createRevision, long modRevision, long version, long lease) {
}
