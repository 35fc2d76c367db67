package dev.gantry.scheduler.state;

/**
 * The etcd key layout under a configurable prefix (default {@code /gantry/}). Values are
 * binary protobuf. One place for the layout so that every reader and writer agrees.
 */
public final class Keys {
    private final String prefix;

    public Keys(String prefix) {
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    }

    public String prefix() {
        return prefix;
    }

    public String jobs() {
        return prefix + "jobs/";
    }

    public String job(String namespace, String name) {
        return jobs() + namespace + "/" + name;
    }

    public String allocations() {
        return prefix + "allocs/";
    }

    public String allocation(String id) {
        return allocations() + id;
    }

    public String nodes() {
        return prefix + "nodes/";
    }

    public String node(String id) {
        return nodes() + id;
    }

    /** The leader election key: held, bound to its lease, by the replica that decides. */
    public String leader() {
        return prefix + "leader";
    }

    /** Why replicas of a job could not be placed; absent when all are placed. */
    public String unplaced() {
        return prefix + "unplaced/";
    }

    public String unplaced(String namespace, String name) {
        return unplaced() + namespace + "/" + name;
    }
}
