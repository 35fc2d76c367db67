package dev.gantry.api.security;

/** Sealed data that cannot be opened: another key sealed it, it was changed, or it is not sealed data. */
public final class SealedDataException extends RuntimeException {
    public SealedDataException(String message) {
        super(message);
    }
}
