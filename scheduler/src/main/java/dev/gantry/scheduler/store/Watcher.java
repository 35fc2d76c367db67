package dev.gantry.scheduler.store;

/** A running watch; closing it stops delivery. Idempotent. */
public interface Watcher extends AutoCloseable {
    @Override
    void close();
}
