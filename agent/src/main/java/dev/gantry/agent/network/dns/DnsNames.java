package dev.gantry.agent.network.dns;

import java.util.Locale;

/**
 * The names the server owns, in one canonical form: lower case, absolute (trailing dot), so that
 * the catalog and the query path compare plain strings. DNS names compare case-insensitively; the
 * answer still echoes the name as asked (clients that randomize case check it).
 */
final class DnsNames {
    static final String DOMAIN = "gantry.";
    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private DnsNames() {
    }

    static String canonical(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }

    /** True for {@code gantry.} and every name under it (canonical input). */
    static boolean isOurs(String canonical) {
        return canonical.equals(DOMAIN) || canonical.endsWith("." + DOMAIN);
    }

    static String service(String namespace, String job) {
        return label(job) + "." + label(namespace) + "." + DOMAIN;
    }

    static String replica(int index, String namespace, String job) {
        return index + "." + service(namespace, job);
    }

    static String port(String portName, String namespace, String job) {
        return "_" + label(portName) + "._tcp." + service(namespace, job);
    }

    static String namespace(String namespace) {
        return label(namespace) + "." + DOMAIN;
    }

    /** Whether {@code canonical} can travel in a DNS message (length limits, no empty labels). */
    static boolean encodable(String canonical) {
        if (canonical.length() > MAX_NAME + 1) return false;
        int start = 0;
        for (int i = 0; i < canonical.length(); i++) {
            if (canonical.charAt(i) != '.') continue;
            int len = i - start;
            if (len == 0 || len > MAX_LABEL) return false;
            start = i + 1;
        }
        return start == canonical.length();
    }

    /** Bytes the name takes on the wire, uncompressed (Netty's encoder does not compress). */
    static int wireLength(String name) {
        if (name.isEmpty() || name.equals(".")) return 1;
        return name.endsWith(".") ? name.length() + 1 : name.length() + 2;
    }

    private static String label(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
