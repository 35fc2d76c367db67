package dev.gantry.scheduler.store;

/** Whether a transaction's compares held (its success branch ran), and the revision after it. */
public record TxnResult(boolean succeeded, long revision) {
}
