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
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's image store: pulls images from registries and loads local images (OCI layout
 * directory or tar, docker save tar), verifies every digest, keeps blobs by digest and unpacks each layer once.
 *
 * <p>Layout under root: {@code blobs/sha256/<hex>}, {@code layers/<diff-id hex>/} and
 * {@code images/<manifest hex>.json} (which references name an image, what it needs, when it was
 * last used: see {@link ImageIndex}). The root is mode 0700: layers keep setuid binaries and
 * image-chosen ownership, which host users must not reach.
 *
 * <p>Pulls are single-flight: callers that ask for the same reference under the same policy
 * while it is being pulled wait for that one pull (and hear its progress) instead of starting
 * their own; pulls run on the store's own threads, so a caller that is interrupted (a task
 * stopped mid-pull) leaves the pull to finish for the others. Garbage collection
 * ({@link #collectGarbage}) never runs while a pull does. Thread-safe; one ImageStore per root
 * per host (it removes stale temp files on start).
 */
public final class ImageStore {
  private static final Logger log = LoggerFactory.getLogger(ImageStore.class);
  private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Path root;
  private final BlobStore blobs;
  private final LayerStore layers;
  private final RegistryPuller registry;
  private final ImageIndex index;
  private final ImageCollector collector;
  // Readers: loads and pulls (any number at once). Writer: garbage collection.
  private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
  private final ConcurrentMap<String, Pull> inFlight = new ConcurrentHashMap<>();
  private final ExecutorService pullThreads;

  /** One pull that several callers may wait for. */
  private record Pull(CompletableFuture<Image> result, PullTracker tracker) {}

  /**
   * A store that pulls with credentials from the default Docker config.json
   * ({@link RegistryCredentials#defaultPath()}) and HTTPS only.
   */
  public ImageStore(Path root) {
    this(root, new RegistryClient(
        RegistryCredentials.fromDockerConfig(RegistryCredentials.defaultPath()), Set.of()));
  }

  public ImageStore(Path root, RegistryClient registryClient) {
    this(root, registryClient, Clock.systemUTC(), MountedLayers::under);
  }

  ImageStore(Path root, RegistryClient registryClient, Clock clock, ImageCollector.MountTable mounts) {
    try {
      this.root = Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
      this.blobs = new BlobStore(root);
      this.layers = new LayerStore(root);
      this.registry = new RegistryPuller(registryClient, blobs, layers);
      removeStaleTemps(root.resolve("blobs").resolve("sha256"));
      removeStaleTemps(root.resolve("layers"));
      removeStaleTemps(Files.createDirectories(root.resolve("images")));
      this.index = new ImageIndex(root, clock);
      this.collector = new ImageCollector(root, index, clock, mounts);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create image store at " + root, e);
    }
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "image-pull-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.pullThreads = pool;
  }

  /**
   * {@link #ensure(String, PullPolicy, Consumer)} with the reference's default policy
   * ({@link PullPolicy#defaultFor}) and no progress.
   */
  public Image ensure(String reference) throws ImageException {
    return ensure(reference, PullPolicy.defaultFor(reference), p -> { });
  }

  /**
   * Loads or pulls, verifies and unpacks the image if needed and describes it. A reference that
   * is an absolute path or {@code file:} names a local archive (read whatever the policy); anything
   * else is a registry image ({@code nginx}, {@code localhost:5000/app:1},
   * {@code host/app@sha256:..}), pulled as {@code policy} says: ALWAYS asks the registry, then
   * downloads only missing blobs; IF_NOT_PRESENT uses the image this node last pulled under that
   * reference; NEVER fails (NOT_FOUND) unless the image is complete here. Blobs are all verified
   * before any layer is unpacked, so a corrupt image leaves no layer behind.
   *
   * @param progress hears how the pull goes (at most about once a second while downloading), on
   *     the store's threads; not called when nothing needs pulling
   * @throws ImageException whose message starts "image REF: " and the reason's label
   */
  public Image ensure(String reference, PullPolicy policy, Consumer<PullProgress> progress)
      throws ImageException {
    return ensure(reference, policy, null, progress);
  }

  /**
   * As {@link #ensure(String, PullPolicy, Consumer)}, pulling with {@code pullSecret}'s
   * credentials (a task's image pull secret) before the agent's own; null for the agent's only.
   * Only callers with the same credentials for the registry share a pull. The credentials are
   * used for this pull and kept nowhere.
   */
  public Image ensure(String reference, PullPolicy policy, RegistryCredentials pullSecret,
      Consumer<PullProgress> progress) throws ImageException {
    String key = key(reference) + " " + policy + " " + fingerprint(reference, pullSecret);
    Pull pull;
    boolean leader = false;
    synchronized (inFlight) {
      pull = inFlight.get(key);
      if (pull == null) {
        pull = new Pull(new CompletableFuture<>(), new PullTracker(reference, PROGRESS_INTERVAL_NANOS));
        inFlight.put(key, pull);
        leader = true;
      }
    }
    pull.tracker().subscribe(progress);
    if (leader) {
      Pull mine = pull;
      pullThreads.execute(() -> {
        Image image = null;
        Throwable failure = null;
        try {
          image = load(reference, policy, mine.tracker(), pullSecret);
        } catch (Throwable e) {
          failure = e;
        }
        // Gone from the map before anyone hears the result: a caller that comes after the pull
        // has ended gets a pull of its own (ALWAYS then asks the registry again).
        inFlight.remove(key, mine);
        if (failure != null) {
          mine.result().completeExceptionally(failure);
        } else {
          mine.result().complete(image);
        }
      });
    }
    try {
      return pull.result().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException("image " + reference + ": interrupted while waiting for the pull", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ImageException ie) {
        throw new ImageException(ie.getMessage(), ie);
      }
      throw new ImageException("image " + reference + ": " + e.getCause(), e.getCause());
    }
  }

  /** The single-flight key: a registry reference normalised (nginx = docker.io/library/nginx:latest). */
  private static String key(String reference) {
    if (ImageReference.isLocal(reference)) {
      return reference;
    }
    try {
      return RegistryReference.parse(reference).toString();
    } catch (ImageException e) {
      return reference;
    }
  }

  /** Tells pulls with different credentials apart; empty without a secret or for a local image. */
  private static String fingerprint(String reference, RegistryCredentials pullSecret) {
    if (pullSecret == null || ImageReference.isLocal(reference)) {
      return "";
    }
    try {
      return pullSecret.fingerprint(RegistryReference.parse(reference).registry());
    } catch (ImageException e) {
      return "";
    }
  }

  private Image load(String reference, PullPolicy policy, PullTracker tracker,
      RegistryCredentials pullSecret) throws ImageException {
    gcLock.readLock().lock();
    try {
      return ImageReference.isLocal(reference) ? ensureLocal(reference)
          : ensurePulled(reference, policy, tracker, pullSecret);
    } catch (ImageException e) {
      // The reason first: "image x:1: unauthorized: ..." reads right in a task's status line.
      String label = e.reason().label();
      throw new ImageException("image " + reference + ": " + (label.isEmpty() ? "" : label + ": ")
          + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("image " + reference + ": I/O error: " + e, e);
    } finally {
      gcLock.readLock().unlock();
    }
  }

  private Image ensurePulled(String reference, PullPolicy policy, PullTracker tracker,
      RegistryCredentials pullSecret) throws IOException, ImageException {
    RegistryReference ref = RegistryReference.parse(reference);
    RegistryReference target = ref;
    RegistryPuller.Mode mode = RegistryPuller.Mode.REFRESH;
    if (policy != PullPolicy.ALWAYS) {
      Optional<ImageIndex.Entry> known = index.find(ref.toString());
      if (known.isPresent()) {
        // What this node resolved the name to before: pinned, so no registry round trip.
        target = new RegistryReference(ref.registry(), ref.repository(), ref.tag(),
            known.get().manifestDigest());
        mode = policy == PullPolicy.NEVER ? RegistryPuller.Mode.OFFLINE : RegistryPuller.Mode.CACHED;
      } else if (policy == PullPolicy.NEVER) {
        throw new ImageException(ImageException.Reason.NOT_FOUND, "not on this node, and the pull"
            + " policy is never (pull it with another policy first, or load it)");
      } else {
        mode = RegistryPuller.Mode.CACHED;
      }
    }
    RegistryPuller.Pulled pulled = registry.pull(target, mode, tracker, pullSecret);
    ResolvedImage resolved = pulled.image();
    ConfigDocument config = ConfigDocument.parse(blobs.read(resolved.configDigest()));
    List<String> layerDigests = resolved.layers().stream().map(ResolvedImage.LayerBlob::digest)
        .toList();
    Image image = unpack(reference, resolved, config, layerDigests, tracker);
    Set<String> names = new LinkedHashSet<>(List.of(ref.toString()));
    record(names, resolved, pulled.manifests(), layerDigests, image);
    return image;
  }

  private void record(Set<String> names, ResolvedImage resolved, List<String> manifests,
      List<String> layerDigests, Image image) {
    List<String> diffIds = image.layers().stream()
        .map(p -> "sha256:" + p.getFileName().toString()).toList();
    index.record(names, resolved.manifestDigest(), resolved.configDigest(), manifests,
        layerDigests.stream().filter(d -> d != null).toList(), diffIds);
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
      Image image = unpack(reference, resolved, config, layerDigests, null);
      List<String> manifests = resolved.manifestDigest().equals(resolved.configDigest())
          ? List.of() : List.of(resolved.manifestDigest());
      record(Set.of(reference), resolved, manifests, layerDigests, image);
      return image;
    }
  }

  /**
   * Removes images no allocation uses, and the blobs and layers only they needed, as
   * {@code policy} says (see {@link ImageCollector} for what counts as used). Skipped, and
   * reported so, while a pull is in progress: it waits for no pull, and no pull waits for it.
   *
   * @param referencesInUse the images of every allocation on this node, as their tasks name them
   */
  public ImageGcReport collectGarbage(ImageGcPolicy policy, Set<String> referencesInUse)
      throws IOException {
    if (!gcLock.writeLock().tryLock()) {
      return ImageGcReport.skippedForPulls();
    }
    try {
      Set<String> names = new HashSet<>();
      referencesInUse.forEach(r -> names.add(key(r)));
      names.addAll(referencesInUse);
      ImageGcReport report = collector.collect(policy, names);
      if (report.removedAnything()) {
        log.info("image GC: removed {} images, {} layers, {} blobs, {} MB; the store holds {} MB",
            report.imagesRemoved(), report.layersRemoved(), report.blobsRemoved(),
            report.bytesFreed() >> 20, report.bytesInStore() >> 20);
      }
      return report;
    } finally {
      gcLock.writeLock().unlock();
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
    gcLock.readLock().lock();
    try (ImageArchive archive = ImageArchive.open(ImageReference.parse(reference).path())) {
      return resolveLocal(archive, ImageReference.parse(reference)).configDigest();
    } catch (ImageException e) {
      throw new ImageException("image " + reference + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImageException("image " + reference + ": I/O error: " + e, e);
    } finally {
      gcLock.readLock().unlock();
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
    gcLock.readLock().lock();
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
    } finally {
      gcLock.readLock().unlock();
    }
  }

  /**
   * The config digest (Docker's image ID) of an image this store pulled, from {@link
   * Image#manifestDigest()}.
   *
   * @throws ImageException NOT_FOUND when the store does not hold it (collected meanwhile)
   */
  public String configDigestOf(Image pulled) throws ImageException {
    return pulledEntry(pulled).configDigest();
  }

  /**
   * Writes an image this store pulled from a registry as a {@code docker save} tar (its
   * verified config and layer blobs as they are), for a driver that keeps its own images.
   * Returns the config digest.
   */
  public String exportDockerSave(Image pulled, OutputStream out) throws ImageException {
    gcLock.readLock().lock();
    try {
      ImageIndex.Entry e = pulledEntry(pulled);
      for (String blob : e.blobs()) {
        if (!blobs.has(blob)) {
          throw new ImageException(ImageException.Reason.NOT_FOUND, "image " + pulled.reference()
              + ": layer blob " + blob + " is no longer in this node's store");
        }
      }
      DockerSaveTar.write(out, blobs, e.configDigest(), e.blobs());
      return e.configDigest();
    } catch (IOException e) {
      throw new ImageException("image " + pulled.reference() + ": I/O error: " + e, e);
    } finally {
      gcLock.readLock().unlock();
    }
  }

  private ImageIndex.Entry pulledEntry(Image pulled) throws ImageException {
    return index.byManifest(pulled.manifestDigest()).orElseThrow(() -> new ImageException(
        ImageException.Reason.NOT_FOUND, "image " + pulled.reference() + " (" + pulled.manifestDigest()
            + ") is not in this node's store"));
  }

  private ResolvedImage resolveLocal(ImageArchive archive, ImageReference ref)
      throws IOException, ImageException {
    return archive.isOciLayout()
        ? new OciLayoutReader(archive, blobs).resolve(ref.selector())
        : new DockerSaveReader(archive, blobs).resolve(ref.selector());
  }

  /** Unpacks each layer not yet unpacked from its (verified) blob, lowest first. */
  private Image unpack(String reference, ResolvedImage resolved, ConfigDocument config,
      List<String> layerDigests, PullTracker tracker) throws IOException, ImageException {
    List<String> diffIds = checkedDiffIds(config, resolved);
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < layerDigests.size(); i++) {
      String diffId = diffIds.isEmpty() ? null : diffIds.get(i);
      if (diffId != null && layers.has(diffId)) {
        dirs.add(layers.path(diffId));
        continue;
      }
      if (tracker != null) {
        tracker.unpacking();
        tracker = null; // said once
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
