package dev.gantry.scheduler.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * ACL token secrets: {@code gantry-acl-v1.<32 random bytes, base64url>}. Only their SHA-256 is
 * stored; the accessor (the hash's first 16 hex digits) names a token in lists and audit events.
 */
public final class AclSecrets {
    public static final String PREFIX = "gantry-acl-v1.";
    private static final Pattern SHAPE = Pattern.compile(Pattern.quote(PREFIX) + "[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private AclSecrets() {
    }

    public static String create() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether {@code text} has a secret's shape; checked before hashing or looking anything up. */
    public static boolean wellFormed(String text) {
        return text != null && text.length() < 100 && SHAPE.matcher(text).matches();
    }

    public static String hashHex(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String accessor(String hashHex) {
        return hashHex.substring(0, 16);
    }
}
