package dev.gantry.scheduler.store;

/** A write inside a transaction. */
public sealed interface Op {

    String key();

    /** Writes {@code value}; {@code lease} 0 for none. */
    record Put(String key, byte[] value, long lease) implements Op {
    }

    record Delete(String key) implements Op {
    }

    static Op put(String key, byte[] value) {
        return new Put(key, value, 0);
    }

    static Op put(String key, byte[] value, long lease) {
        return new Put(key, value, lease);
    }

    static Op delete(String key) {
        return new Delete(key);
    }
}
