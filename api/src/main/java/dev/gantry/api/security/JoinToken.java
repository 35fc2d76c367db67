package dev.gantry.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A token that lets a new node join: {@code gantry-join-v1.<CA fingerprint>.<secret>}. The CA
 * fingerprint (SHA-256 of the CA certificate, 64 hex digits) lets the node check the CA it is
 * handed before trusting it; the secret (32 random bytes, base64url without padding) proves to
 * the scheduler that an operator let this node in. The scheduler keeps only {@link #secretHash()}.
 * Immutable; {@link #toString()} never shows the secret.
 */
public final class JoinToken {
    public static final String PREFIX = "gantry-join-v1";
    /** Longer input is refused before it is looked at. */
    public static final int MAX_LENGTH = 256;
    static final int SECRET_BYTES = 32;

    private static final String FAMILY = "gantry-join-";
    private static final Pattern HEX_64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern BASE64URL_32_BYTES = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final String FORMAT = " (expected " + PREFIX + ".<CA fingerprint>.<secret>)";

    private final String caFingerprint;
    private final String secret;

    private JoinToken(String caFingerprint, String secret) {
        this.caFingerprint = caFingerprint;
        this.secret = secret;
    }

    /**
     * A new token with a fresh secret for the CA of that fingerprint (see {@link ClusterCa#fingerprint()}).
     *
     * @throws IllegalArgumentException when the fingerprint is not 64 hex digits
     */
    public static JoinToken create(String caFingerprint) {
        if (caFingerprint == null || !HEX_64.matcher(caFingerprint).matches()) {
            throw new IllegalArgumentException("a CA fingerprint is 64 hex digits (a SHA-256)");
        }
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        return new JoinToken(caFingerprint.toLowerCase(Locale.ROOT), ENCODER.encodeToString(secret));
    }

    /**
     * Reads a token as an operator pasted it (whitespace around it is ignored).
     *
     * @throws IllegalArgumentException for anything else, saying what is wrong and never quoting
     *     the input
     */
    public static JoinToken parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("no join token given");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("is not a join token: too long (" + text.length()
                + " characters, a token has " + (PREFIX.length() + 2 + 64 + 43) + ")");
        }
        String token = text.strip();
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the join token is empty" + FORMAT);
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("is not a join token: it has characters other than"
                    + " printable ASCII (at position " + i + ")");
            }
        }
        if (!token.startsWith(FAMILY)) {
            throw new IllegalArgumentException("is not a Gantry join token" + FORMAT);
        }
        String[] parts = token.split("\\.", -1);
        if (!parts[0].equals(PREFIX)) {
            throw new IllegalArgumentException("is a join token of a version this Gantry does not read" + FORMAT);
        }
        if (parts.length != 3) {
            throw new IllegalArgumentException("is not a join token: it has " + parts.length
                + " parts separated by '.', not 3" + FORMAT);
        }
        if (!HEX_64.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException("the join token's CA fingerprint is not 64 hex digits (a SHA-256)");
        }
        String secret = parts[2];
        if (!BASE64URL_32_BYTES.matcher(secret).matches()
            || !ENCODER.encodeToString(Base64.getUrlDecoder().decode(secret)).equals(secret)) {
            throw new IllegalArgumentException("the join token's secret is not " + SECRET_BYTES
                + " bytes in base64url (43 characters)");
        }
        return new JoinToken(parts[1].toLowerCase(Locale.ROOT), secret);
    }

    /** The CA certificate's SHA-256, 64 lowercase hex digits. */
    public String caFingerprint() {
        return caFingerprint;
    }

    /** The secret as written in the token (base64url). */
    public String secret() {
        return secret;
    }

    /** The whole token, to hand to an operator. */
    public String encoded() {
        return PREFIX + '.' + caFingerprint + '.' + secret;
    }

    /** SHA-256 of {@link #secret()} (its ASCII text): what the scheduler stores instead of the secret. */
    public byte[] secretHash() {
        return sha256(secret);
    }

    /** Whether {@code candidateSecret} is this token's secret; in time independent of where they differ. */
    public boolean matches(String candidateSecret) {
        return candidateSecret != null && MessageDigest.isEqual(sha256(candidateSecret), secretHash());
    }

    /** Whether this token's secret is the one whose {@link #secretHash()} was stored; constant-time. */
    public boolean matchesHash(byte[] storedSecretHash) {
        return storedSecretHash != null && MessageDigest.isEqual(secretHash(), storedSecretHash);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return PREFIX + '.' + caFingerprint + ".****";
    }
}
