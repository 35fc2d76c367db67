package dev.gantry.scheduler.security;

import dev.gantry.api.v1.AclPolicy;
import dev.gantry.api.v1.AclToken;
import dev.gantry.api.v1.NamespaceRule;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Pure: whether a token's policies allow a capability, and whether a policy is well formed. */
public final class Policies {
    private Policies() {
    }

    /**
     * Whether {@code token} may use {@code capability} in {@code namespace}
     * ({@link PermissionTable#ALL_NAMESPACES}: across every namespace, which only a rule for "*"
     * grants). Management tokens may do everything; a policy the token names that no longer
     * exists grants nothing.
     */
    public static boolean allows(AclToken token, Function<String, AclPolicy> policies, Capability capability, String namespace) {
        if (token.getManagement()) return true;
        for (String name : token.getPoliciesList()) {
            AclPolicy p = policies.apply(name);
            if (p == null) continue;
            if (capability.isCluster()) {
                if (p.getClusterList().contains(capability.spelled())) return true;
                continue;
            }
            for (NamespaceRule r : p.getNamespacesList()) {
                if (matches(r.getNamespace(), namespace) && r.getAllowList().contains(capability.spelled())) return true;
            }
        }
        return false;
    }

    /** "*" matches every namespace; "team-*" every namespace starting with "team-"; else equality. */
    static boolean matches(String pattern, String namespace) {
        if (pattern.equals("*")) return true;
        if (namespace.equals(PermissionTable.ALL_NAMESPACES)) return false;
        if (pattern.endsWith("*")) return namespace.startsWith(pattern.substring(0, pattern.length() - 1));
        return pattern.equals(namespace);
    }

    /** Every problem of a policy, by field path; empty when it can be stored. */
    public static List<String> problems(AclPolicy p) {
        List<String> out = new ArrayList<>();
        if (!p.getName().matches("[a-z0-9][a-z0-9_.-]{0,62}")) {
            out.add("name: must be 1-63 lower-case letters, digits, '.', '_' or '-', got \"" + abbreviate(p.getName()) + '"');
        }
        for (int i = 0; i < p.getNamespacesCount(); i++) {
            NamespaceRule r = p.getNamespaces(i);
            if (!r.getNamespace().matches("\\*|[a-z0-9][a-z0-9-]{0,62}\\*?")) {
                out.add("namespaces[" + i + "].namespace: a namespace name, a prefix ending in '*', or '*', got \""
                        + abbreviate(r.getNamespace()) + '"');
            }
            for (int j = 0; j < r.getAllowCount(); j++) {
                var c = Capability.parse(r.getAllow(j));
                if (c.isEmpty() || c.get().isCluster()) {
                    out.add("namespaces[" + i + "].allow[" + j + "]: \"" + abbreviate(r.getAllow(j))
                            + "\" is not one of read, submit, operate, logs, exec, secrets");
                }
            }
        }
        for (int i = 0; i < p.getClusterCount(); i++) {
            var c = Capability.parse(p.getCluster(i));
            if (c.isEmpty() || !c.get().isCluster()) {
                out.add("cluster[" + i + "]: \"" + abbreviate(p.getCluster(i)) + "\" is not one of node:read, node:write, acl:write");
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        String printable = s.codePoints().limit(40).map(c -> c >= 0x20 && c < 0x7f ? c : '?')
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return s.length() > 40 ? printable + "..." : printable;
    }
}
