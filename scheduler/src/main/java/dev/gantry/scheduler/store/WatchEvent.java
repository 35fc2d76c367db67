package dev.gantry.scheduler.store;

/** One change: a put carries the new value; a delete carries the key and the delete's revision in {@code kv.modRevision()}. */
public record WatchEvent(Type type, KeyValue kv) {
    public enum Type { PUT, DELETE }
}
