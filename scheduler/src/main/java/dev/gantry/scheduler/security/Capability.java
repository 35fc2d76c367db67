package dev.gantry.scheduler.security;

import java.util.Arrays;
import java.util.Optional;

/** What a policy can allow: per namespace, or across the cluster. Names are what policies spell. */
public enum Capability {
    READ("read", false),
    SUBMIT("submit", false),
    OPERATE("operate", false),
    LOGS("logs", false),
    EXEC("exec", false),
    SECRETS("secrets", false),
    NODE_READ("node:read", true),
    NODE_WRITE("node:write", true),
    ACL_WRITE("acl:write", true);

    private final String spelled;
    private final boolean cluster;

    Capability(String spelled, boolean cluster) {
        this.spelled = spelled;
        this.cluster = cluster;
    }

    public String spelled() {
        return spelled;
    }

    /** Cluster-wide (in a policy's {@code cluster} list) rather than per namespace. */
    public boolean isCluster() {
        return cluster;
    }

    public static Optional<Capability> parse(String s) {
        return Arrays.stream(values()).filter(c -> c.spelled.equals(s)).findFirst();
    }
}
