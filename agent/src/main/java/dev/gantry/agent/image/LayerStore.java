package dev.gantry.agent.image;

import dev.gantry.agent.sys.FileTrees;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Unpacked layers under {@code <root>/layers/<diff-id hex>}. A layer is extracted into a temp
 * directory, checked against its diff_id, synced and renamed into place; the rename is the
 * completion mark, so a layer directory that exists is complete. Thread-safe: one extraction per
 * layer at a time, others wait and reuse it. Assumes one ImageStore process per root.
 */
final class LayerStore {
  private final Path dir;
  private final LayerExtractor extractor = new LayerExtractor();
  private final ConcurrentMap<String, Object> locks = new ConcurrentHashMap<>();

  LayerStore(Path root) throws IOException {
    this.dir = Files.createDirectories(root.resolve("layers"));
  }

  boolean has(String diffId) {
    return Files.isDirectory(path(diffId));
  }

  Path path(String diffId) {
    return dir.resolve(Digests.hex(diffId));
  }

  /**
   * Returns the unpacked layer, extracting {@code blob} first if needed.
   *
   * @param diffId the config's diff_id for this layer, or null if the config lists none (the
   *     computed one is then used)
   */
  Path ensure(String diffId, Path blob, String label) throws IOException, ImageException {
    if (diffId != null && has(diffId)) {
      return path(diffId);
    }
    synchronized (locks.computeIfAbsent(diffId != null ? diffId : blob.toString(), k -> new Object())) {
      if (diffId != null && has(diffId)) {
        return path(diffId);
      }
      Path tmp = Files.createTempDirectory(dir, BlobStore.TMP_PREFIX);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        String actual;
        try (InputStream in = Files.newInputStream(blob)) {
          actual = extractor.extract(in, tmp, label);
        }
        if (diffId != null && !diffId.equals(actual)) {
          throw new ImageException(ImageException.Reason.DIGEST_MISMATCH,
              label + " uncompressed digest mismatch: config diff_id expects "
              + diffId + " got " + actual + " (the layer is corrupt or was modified)");
        }
        Path target = path(actual);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
          if (!Files.isDirectory(target)) {
            throw e;
          }
          // Already there (same content by digest): keep the existing one.
        }
        return target;
      } finally {
        if (Files.exists(tmp)) {
          FileTrees.deleteRecursively(tmp);
        }
      }
    }
  }
}
