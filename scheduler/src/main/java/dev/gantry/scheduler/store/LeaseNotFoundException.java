package dev.gantry.scheduler.store;

/** The lease has expired or was revoked. */
public class LeaseNotFoundException extends RuntimeException {
    public LeaseNotFoundException(String message) {
        super(message);
    }
}
