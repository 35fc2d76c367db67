package dev.gantry.agent.image;

import dev.gantry.agent.sys.FileTrees;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's image store: loads local images (OCI layout directory or tar, docker save tar),
 * verifies every digest, keeps blobs by digest and unpacks each layer once.
 *
 * <p>Layout under root: {@code blobs/sha256/<hex>} and {@code layers/<diff-id hex>/}. The root is
 * mode 0700: layers keep setuid binaries and image-chosen ownership, which host users must not
 * reach. Thread-safe; one ImageStore per root per host (it removes stale temp files on start).
 */
public final class ImageStore {
  private final Path root;
  private final BlobStore blobs;
  private final LayerStore layers;

  public ImageStore(Path root) {
    try {
      this.root = Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
      this.blobs = new BlobStore(root);
      this.layers = new LayerStore(root);
      removeStaleTemps(root.resolve("blobs").resolve("sha256"));
      removeStaleTemps(root.resolve("layers"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create image store at " + root, e);
    }
  }

  /**
   * Loads, verifies and unpacks the image if needed and describes it. Idempotent: a second call
   * re-reads only the archive's JSON. Blobs are all verified before any layer is unpacked, so a
   * corrupt archive leaves no layer behind.
   */
  public Image ensure(String reference) throws ImageException {
    ImageReference ref = ImageReference.parse(reference);
    try (ImageArchive archive = ImageArchive.open(ref.path())) {
      ResolvedImage resolved = archive.isOciLayout()
          ? new OciLayoutReader(archive, blobs).resolve(ref.selector())
          : new DockerSaveReader(archive, blobs).resolve(ref.selector());
      ConfigDocument config = ConfigDocument.parse(blobs.read(resolved.configDigest()));
      List<ResolvedImage.LayerBlob> blobList = resolved.layers();
      List<String> diffIds = config.diffIds();
      if (!diffIds.isEmpty() && diffIds.size() != blobList.size()) {
        throw new ImageException("config lists " + diffIds.size() + " diff_ids but the manifest "
            + blobList.size() + " layers");
      }
      List<String> layerDigests = new ArrayList<>();
      for (int i = 0; i < blobList.size(); i++) {
        String diffId = diffIds.isEmpty() ? null : diffIds.get(i);
        layerDigests.add(importLayerBlob(archive, blobList.get(i), diffId));
      }
      List<Path> dirs = new ArrayList<>();
      for (int i = 0; i < blobList.size(); i++) {
        String diffId = diffIds.isEmpty() ? null : diffIds.get(i);
        if (diffId != null && layers.has(diffId)) {
          dirs.add(layers.path(diffId));
          continue;
        }
        String digest = layerDigests.get(i);
        dirs.add(layers.ensure(diffId, blobs.path(digest), "layer " + digest));
      }
      return new Image(reference, resolved.manifestDigest(), dirs, config.config());
    } catch (ImageException e) {
      throw new ImageException("image " + reference + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("image " + reference + ": I/O error: " + e, e);
    }
  }

  /** Copies a layer blob into the store (verified), unless its layer is already unpacked. */
  private String importLayerBlob(ImageArchive archive, ResolvedImage.LayerBlob layer,
      String diffId) throws IOException, ImageException {
    String mediaType = layer.mediaType() == null ? "" : layer.mediaType();
    if (mediaType.contains("zstd")) {
      throw new ImageException("layer " + layer.digest() + " is zstd-compressed (" + mediaType
          + "), which is not supported yet; re-export the image with gzip layers");
    }
    if (diffId != null && layers.has(diffId)) {
      return layer.digest();
    }
    if (layer.digest() != null && blobs.has(layer.digest())) {
      return layer.digest();
    }
    String what = "layer " + (layer.digest() != null ? layer.digest() : layer.archivePath());
    try (InputStream in = archive.open(layer.archivePath())) {
      return blobs.put(in, layer.digest(), what);
    }
  }

  private static void removeStaleTemps(Path dir) throws IOException {
    try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, BlobStore.TMP_PREFIX + "*")) {
      for (Path p : stale) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          FileTrees.deleteRecursively(p);
        } else {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Override
  public String toString() {
    return "ImageStore[" + root + "]";
  }
}
