package dev.gantry.agent.image;

import dev.gantry.agent.sys.FileTrees;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The agent's image store: pulls images from registries and loads local images (OCI layout
 * directory or tar, docker save tar), verifies every digest, keeps blobs by digest and unpacks each layer once.
 *
 * <p>Layout under root: {@code blobs/sha256/<hex>} and {@code layers/<diff-id hex>/}. The root is
 * mode 0700: layers keep setuid binaries and image-chosen ownership, which host users must not
 * reach. Thread-safe; one ImageStore per root per host (it removes stale temp files on start).
 */
public final class ImageStore {
  private final Path root;
  private final BlobStore blobs;
  private final LayerStore layers;
  private final RegistryPuller registry;

  /**
   * A store that pulls with credentials from the default Docker config.json
   * ({@link RegistryCredentials#defaultPath()}) and HTTPS only.
   */
  public ImageStore(Path root) {
    this(root, new RegistryClient(
        RegistryCredentials.fromDockerConfig(RegistryCredentials.defaultPath()), Set.of()));
  }

  public ImageStore(Path root, RegistryClient registryClient) {
    try {
      this.root = Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
      this.blobs = new BlobStore(root);
      this.layers = new LayerStore(root);
      this.registry = new RegistryPuller(registryClient, blobs, layers);
      removeStaleTemps(root.resolve("blobs").resolve("sha256"));
      removeStaleTemps(root.resolve("layers"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create image store at " + root, e);
    }
  }

  /**
   * Loads or pulls, verifies and unpacks the image if needed and describes it. A reference that
   * is an absolute path or {@code file:} names a local archive; anything else is a registry image
   * ({@code nginx}, {@code localhost:5000/app:1}, {@code host/app@sha256:..}), pulled as
   * {@link RegistryPuller} describes. Idempotent: a second call re-reads only JSON (and, for a
   * tag, asks the registry for the tag's manifest). Blobs are all verified before any layer is
   * unpacked, so a corrupt image leaves no layer behind.
   */
  public Image ensure(String reference) throws ImageException {
    try {
      return ImageReference.isLocal(reference) ? ensureLocal(reference) : ensurePulled(reference);
    } catch (ImageException e) {
      throw new ImageException("image " + reference + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("image " + reference + ": I/O error: " + e, e);
    }
  }

  private Image ensurePulled(String reference) throws IOException, ImageException {
    ResolvedImage resolved = registry.pull(RegistryReference.parse(reference));
    ConfigDocument config = ConfigDocument.parse(blobs.read(resolved.configDigest()));
    List<String> layerDigests = resolved.layers().stream().map(ResolvedImage.LayerBlob::digest)
        .toList();
    return unpack(reference, resolved, config, layerDigests);
  }

  private Image ensureLocal(String reference) throws IOException, ImageException {
    ImageReference ref = ImageReference.parse(reference);
    try (ImageArchive archive = ImageArchive.open(ref.path())) {
      ResolvedImage resolved = resolveLocal(archive, ref);
      ConfigDocument config = ConfigDocument.parse(blobs.read(resolved.configDigest()));
      List<ResolvedImage.LayerBlob> blobList = resolved.layers();
      List<String> diffIds = checkedDiffIds(config, resolved);
      List<String> layerDigests = new ArrayList<>();
      for (int i = 0; i < blobList.size(); i++) {
        String diffId = diffIds.isEmpty() ? null : diffIds.get(i);
        layerDigests.add(importLayerBlob(archive, blobList.get(i), diffId));
      }
      return unpack(reference, resolved, config, layerDigests);
    }
  }

  /** Whether a reference names a local archive (absolute path or {@code file:}) rather than a registry image. */
  public static boolean isLocal(String reference) {
    return ImageReference.isLocal(reference);
  }

  /**
   * The image ID (config digest) of an image in a local archive: the name Docker Engine gives it
   * once loaded. Reads and verifies only the archive's JSON.
   */
  public String localImageId(String reference) throws ImageException {
    try (ImageArchive archive = ImageArchive.open(ImageReference.parse(reference).path())) {
      return resolveLocal(archive, ImageReference.parse(reference)).configDigest();
    } catch (ImageException e) {
      throw new ImageException("image " + reference + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("image " + reference + ": I/O error: " + e, e);
    }
  }

  /**
   * Writes one image of a local archive (OCI layout or docker save, as {@link #ensure} reads them)
   * to {@code out} as a classic docker-save tar, which every Docker Engine loads (20.10 does not
   * load OCI layouts). Its blobs are verified and kept in the store as by ensure(); layers are
   * not unpacked. Returns the image ID (config digest). {@code out} is left open.
   */
  public String exportDockerSave(String reference, OutputStream out) throws ImageException {
    ImageReference ref = ImageReference.parse(reference);
    try (ImageArchive archive = ImageArchive.open(ref.path())) {
      ResolvedImage resolved = resolveLocal(archive, ref);
      checkedDiffIds(ConfigDocument.parse(blobs.read(resolved.configDigest())), resolved);
      List<String> layerDigests = new ArrayList<>();
      for (ResolvedImage.LayerBlob layer : resolved.layers()) {
        boolean stored = layer.digest() != null && blobs.has(layer.digest());
        if (stored) {
          layerDigests.add(layer.digest());
          continue;
        }
        try (InputStream in = archive.open(layer.archivePath())) {
          layerDigests.add(blobs.put(in, layer.digest(), "layer " + layer.archivePath()));
        }
      }
      DockerSaveTar.write(out, blobs, resolved.configDigest(), layerDigests);
      return resolved.configDigest();
    } catch (ImageException e) {
      throw new ImageException("image " + reference + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("image " + reference + ": I/O error: " + e, e);
    }
  }

  private ResolvedImage resolveLocal(ImageArchive archive, ImageReference ref)
      throws IOException, ImageException {
    return archive.isOciLayout()
        ? new OciLayoutReader(archive, blobs).resolve(ref.selector())
        : new DockerSaveReader(archive, blobs).resolve(ref.selector());
  }

  /** Unpacks each layer not yet unpacked from its (verified) blob, lowest first. */
  private Image unpack(String reference, ResolvedImage resolved, ConfigDocument config,
      List<String> layerDigests) throws IOException, ImageException {
    List<String> diffIds = checkedDiffIds(config, resolved);
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < layerDigests.size(); i++) {
      String diffId = diffIds.isEmpty() ? null : diffIds.get(i);
      if (diffId != null && layers.has(diffId)) {
        dirs.add(layers.path(diffId));
        continue;
      }
      String digest = layerDigests.get(i);
      dirs.add(layers.ensure(diffId, blobs.path(digest), "layer " + digest));
    }
    return new Image(reference, resolved.manifestDigest(), dirs, config.config());
  }

  private static List<String> checkedDiffIds(ConfigDocument config, ResolvedImage resolved)
      throws ImageException {
    List<String> diffIds = config.diffIds();
    if (!diffIds.isEmpty() && diffIds.size() != resolved.layers().size()) {
      throw new ImageException("config lists " + diffIds.size() + " diff_ids but the manifest "
          + resolved.layers().size() + " layers");
    }
    return diffIds;
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
