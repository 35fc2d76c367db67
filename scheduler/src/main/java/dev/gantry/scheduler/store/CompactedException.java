package dev.gantry.scheduler.store;

/** A watch asked for history the store has already discarded; re-read with range() and watch from there. */
public class CompactedException extends RuntimeException {
    public CompactedException(String message) {
        super(message);
    }
}
