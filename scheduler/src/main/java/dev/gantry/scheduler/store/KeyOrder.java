package dev.gantry.scheduler.store;

import java.util.Comparator;

/**
 * etcd's key order: keys compare as UTF-8 bytes. That is code-point order, which differs from
 * {@link String#compareTo} (UTF-16 units) only for characters above U+FFFF, but the in-memory
 * store must sort exactly as etcd does.
 */
final class KeyOrder {
    static final Comparator<String> UTF8 = KeyOrder::compare;

    private KeyOrder() {
    }

    private static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
