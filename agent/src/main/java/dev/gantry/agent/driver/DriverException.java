package dev.gantry.agent.driver;

/** A driver operation failed; the message says what and why in words an operator can act on. */
public class DriverException extends Exception {
    public DriverException(String message) {
        super(message);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
