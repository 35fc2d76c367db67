package dev.gantry.scheduler.state;

/** A stored object together with the modification revision it was read at (for compare-and-swap writes). */
public record Versioned<T>(T value, long modRevision) {
}
