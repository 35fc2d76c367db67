package dev.gantry.agent.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;

/**
 * Content-addressed blobs under {@code <root>/blobs/sha256/<hex>}. A blob appears under its name
 * only after its digest was checked (write to a temp file, verify, atomic rename), so a present
 * blob is trusted. Thread-safe: concurrent puts of one blob each rename identical content.
 */
final class BlobStore {
  static final String TMP_PREFIX = ".tmp-";
  private final Path dir;

  BlobStore(Path root) throws IOException {
    this.dir = Files.createDirectories(root.resolve("blobs").resolve("sha256"));
  }

  boolean has(String digest) {
    return Files.isRegularFile(path(digest));
  }

  Path path(String digest) {
    return dir.resolve(Digests.hex(digest));
  }

  /**
   * Copies {@code in} into the store while hashing it.
   *
   * @param expected the digest the content must have, or null if only the content names it
   * @param what names the blob in errors, e.g. "layer sha256:ab.." or "config config.json"
   * @return the content's digest
   */
  String put(InputStream in, String expected, String what) throws IOException, ImageException {
    Path tmp = Files.createTempFile(dir, TMP_PREFIX, "");
    try {
      MessageDigest md = Digests.sha256();
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
        in.transferTo(out);
      }
      String actual = Digests.of(md);
      if (expected != null && !expected.equals(actual)) {
        throw new ImageException(ImageException.Reason.DIGEST_MISMATCH,
            what + " digest mismatch: expected " + expected + " got " + actual
                + " (the source is corrupt or was modified)");
      }
      Files.move(tmp, path(actual), StandardCopyOption.ATOMIC_MOVE);
      return actual;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  byte[] read(String digest) throws IOException {
    return Files.readAllBytes(path(digest));
  }
}
