package dev.gantry.scheduler.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version constraint such as {@code ">= 1.2, < 2.0"} or {@code "~> 2.1"}: every
 * comma-separated term must hold. Versions are dotted numbers with an optional leading
 * {@code v} and an optional {@code -pre} suffix; missing segments count as 0 (1.2 = 1.2.0) and a
 * pre-release sorts before its release (1.2.0-rc1 < 1.2.0), as in semver and Nomad.
 */
final class VersionRange {
    private static final Pattern TERM = Pattern.compile("\\s*(=|!=|>=|<=|>|<|~>)?\\s*(\\S+)\\s*");
    private static final Pattern VERSION = Pattern.compile("v?(\\d+(?:\\.\\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\\+\\S*)?");

    private record Term(String operator, Version version) {
    }

    record Version(long[] segments, String pre) implements Comparable<Version> {
        static Version parse(String text) {
            Matcher m = VERSION.matcher(text.trim());
            if (!m.matches()) return null;
            String[] parts = m.group(1).split("\\.");
            long[] segments = new long[parts.length];
            try {
                for (int i = 0; i < parts.length; i++) segments[i] = Long.parseLong(parts[i]);
            } catch (NumberFormatException e) {
                return null;   // more digits than a long holds
            }
            return new Version(segments, m.group(2) == null ? "" : m.group(2));
        }

        @Override
        public int compareTo(Version o) {
            int n = Math.max(segments.length, o.segments.length);
            for (int i = 0; i < n; i++) {
                long a = i < segments.length ? segments[i] : 0;
                long b = i < o.segments.length ? o.segments[i] : 0;
                if (a != b) return Long.compare(a, b);
            }
            if (pre.isEmpty() || o.pre.isEmpty()) return Boolean.compare(pre.isEmpty(), o.pre.isEmpty());
            return pre.compareTo(o.pre);
        }

        /** The exclusive upper bound of "~> this": 2.1 → 3, 2.1.3 → 2.2, 2 → 3. */
        Version pessimisticBound() {
            int keep = Math.max(1, segments.length - 1);
            long[] bound = new long[keep];
            System.arraycopy(segments, 0, bound, 0, keep);
            bound[keep - 1]++;
            return new Version(bound, "");
        }
    }

    private final List<Term> terms;

    private VersionRange(List<Term> terms) {
        this.terms = terms;
    }

    /** Null when the text is not a version constraint. */
    static VersionRange parse(String text) {
        List<Term> terms = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            Matcher m = TERM.matcher(part);
            if (!m.matches()) return null;
            Version v = Version.parse(m.group(2));
            if (v == null) return null;
            terms.add(new Term(m.group(1) == null ? "=" : m.group(1), v));
        }
        return terms.isEmpty() ? null : new VersionRange(terms);
    }

    boolean matches(String actual) {
        Version v = Version.parse(actual);
        if (v == null) return false;
        for (Term t : terms) {
            int c = v.compareTo(t.version);
            boolean ok = switch (t.operator) {
                case "=" -> c == 0;
                case "!=" -> c != 0;
                case ">" -> c > 0;
                case ">=" -> c >= 0;
                case "<" -> c < 0;
                case "<=" -> c <= 0;
                case "~>" -> c >= 0 && v.compareTo(t.version.pessimisticBound()) < 0;
                default -> false;
            };
            if (!ok) return false;
        }
        return true;
    }
}
