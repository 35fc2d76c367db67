package dev.gantry.agent.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** sha256 content digests in the OCI form {@code sha256:<64 lowercase hex>}. */
final class Digests {
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

  private Digests() {}

  /** Validates a digest from a manifest or config; only sha256 is supported (as by Docker). */
  static String check(String digest, String what) throws ImageException {
    if (digest == null || !SHA256.matcher(digest).matches()) {
      throw new ImageException(what + " has an invalid or unsupported digest '" + digest
          + "' (expected sha256:<64 lowercase hex>)");
    }
    return digest;
  }

  static boolean isHex(String s) {
    return HEX.matcher(s).matches();
  }

  static String hex(String digest) {
    return digest.substring("sha256:".length());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  static String of(MessageDigest md) {
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  static String of(byte[] content) {
    MessageDigest md = sha256();
    md.update(content);
    return of(md);
  }
}
