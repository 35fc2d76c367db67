package dev.gantry.scheduler.store;

/** A condition of a transaction on one key's modification revision (0 means: the key is absent). */
public record Compare(String key, long modRevision) {

    /** Holds when the key was last written at exactly {@code modRevision}. */
    public static Compare modRevision(String key, long modRevision) {
        return new Compare(key, modRevision);
    }

    /** Holds when the key does not exist. */
    public static Compare absent(String key) {
        return new Compare(key, 0);
    }
}
