package dev.gantry.scheduler.security;

import com.google.protobuf.Message;

/**
 * What one RPC method asks of its caller; each method has exactly one, in {@link PermissionTable}.
 * Rules that need the request ({@link InNamespace}) are decided when its first message arrives.
 */
public sealed interface Rule {
    /** Anyone, even without credentials: the request itself carries the secret (joining, bootstrap). */
    record Public() implements Rule {
    }

    /** Agents only, by a node certificate of this cluster that is not revoked. */
    record NodeOnly() implements Rule {
    }

    /** Any authenticated caller (a valid token or node certificate). */
    record Authenticated() implements Rule {
    }

    /** A cluster-wide capability. */
    record Cluster(Capability capability) implements Rule {
    }

    /** Management tokens only (what no policy can grant, such as server reflection). */
    record Management() implements Rule {
    }

    /**
     * A capability in the namespace the request names. {@code namespace} returns the namespace
     * of a request, {@link PermissionTable#ALL_NAMESPACES} for a request over every namespace,
     * or null when the request names something that does not exist (then the service answers
     * NOT_FOUND to a caller allowed the capability somewhere, as it would anyway).
     */
    record InNamespace(Capability capability, NamespaceOf namespace) implements Rule {
    }

    /** Reads the namespace a request concerns. */
    interface NamespaceOf {
        String of(Message request, NamespaceLookup lookup);
    }

    /** Finds the namespace of objects that requests name by id (allocations). */
    interface NamespaceLookup {
        /** Null when there is no such allocation. */
        String ofAllocation(String allocationId);
    }
}
