package dev.gantry.agent.image;

import dev.gantry.agent.sys.FileTrees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection of the image store, as {@link ImageGcPolicy} says. An image is in use when
 * a reference the caller names resolves to it, when any of its layers is an overlay lower
 * directory right now, or when it was used within the policy's minimum age; those are never
 * removed. After dropping image records it deletes every blob and layer that no remaining image
 * needs and no mount uses (and that is older than the minimum age: a pull's blobs before its
 * record exists). A layer is renamed to a temp name before it is deleted, so a crash half way
 * never leaves a half-deleted layer that looks complete. The caller must keep pulls out
 * meanwhile ({@link ImageStore} does, with its lock).
 */
final class ImageCollector {
  private static final Logger log = LoggerFactory.getLogger(ImageCollector.class);

  /** Where the kernel says overlays sit; replaceable for tests. */
  interface MountTable {
    Set<Path> lowerDirsUnder(Path layersDir) throws IOException;
  }

  private final Path blobDir;
  private final Path layerDir;
  private final ImageIndex index;
  private final Clock clock;
  private final MountTable mounts;
  // Layers never change once unpacked: their size is measured once per process.
  private final Map<String, Long> layerSizes = new ConcurrentHashMap<>();

  ImageCollector(Path root, ImageIndex index, Clock clock, MountTable mounts) {
    this.blobDir = root.resolve("blobs").resolve("sha256");
    this.layerDir = root.resolve("layers");
    this.index = index;
    this.clock = clock;
    this.mounts = mounts;
  }

  /** An item on disk: a blob or an unpacked layer, by hex digest. */
  private record Item(String hex, boolean layer, long bytes, long modifiedMillis) {}

  ImageGcReport collect(ImageGcPolicy policy, Set<String> referencesInUse) throws IOException {
    long now = clock.millis();
    Set<String> mounted = new HashSet<>();
    for (Path p : mounts.lowerDirsUnder(layerDir)) {
      mounted.add(p.getFileName().toString());
    }
    List<ImageIndex.Entry> kept = new ArrayList<>(index.entries());
    List<ImageIndex.Entry> removable = new ArrayList<>();
    for (ImageIndex.Entry e : kept) {
      boolean named = e.references().stream().anyMatch(referencesInUse::contains);
      boolean mountedNow = e.diffIds().stream().map(Digests::hex).anyMatch(mounted::contains);
      boolean recent = now - e.lastUsedMillis() < policy.minAge().toMillis();
      if (!named && !mountedNow && !recent) {
        removable.add(e);
      }
    }
    removable.sort(Comparator.comparingLong(ImageIndex.Entry::lastUsedMillis));
    Map<String, Item> items = inventory();
    int images = 0;
    Counts counts = new Counts();
    if (!policy.maxUnusedAge().isZero()) {
      for (ImageIndex.Entry e : List.copyOf(removable)) {
        if (now - e.lastUsedMillis() >= policy.maxUnusedAge().toMillis()) {
          log.info("removing image {} ({}): unused for {} min", e.manifestDigest(),
              String.join(", ", e.references()), (now - e.lastUsedMillis()) / 60_000);
          index.remove(e.manifestDigest());
          kept.remove(e);
          removable.remove(e);
          images++;
        }
      }
    }
    sweep(items, kept, mounted, now, policy, counts);
    if (policy.maxStoreBytes() > 0 && size(items) > policy.maxStoreBytes()) {
      for (ImageIndex.Entry e : removable) {
        if (size(items) <= policy.targetBytes()) {
          break;
        }
        log.info("removing image {} ({}): the store holds {} MB, more than its {} MB limit",
            e.manifestDigest(), String.join(", ", e.references()), size(items) >> 20,
            policy.maxStoreBytes() >> 20);
        index.remove(e.manifestDigest());
        kept.remove(e);
        images++;
        sweep(items, kept, mounted, now, policy, counts);
      }
    }
    return new ImageGcReport(false, images, counts.blobs, counts.layers, counts.bytes, size(items));
  }

  private static final class Counts {
    int blobs;
    int layers;
    long bytes;
  }

  /** Deletes the items no kept image needs and no mount uses; removes them from {@code items}. */
  private void sweep(Map<String, Item> items, List<ImageIndex.Entry> kept, Set<String> mounted,
      long now, ImageGcPolicy policy, Counts counts) {
    Set<String> neededBlobs = new HashSet<>();
    Set<String> neededLayers = new HashSet<>(mounted);
    for (ImageIndex.Entry e : kept) {
      e.manifests().forEach(d -> neededBlobs.add(Digests.hex(d)));
      neededBlobs.add(Digests.hex(e.configDigest()));
      e.blobs().forEach(d -> neededBlobs.add(Digests.hex(d)));
      e.diffIds().forEach(d -> neededLayers.add(Digests.hex(d)));
    }
    for (Item item : List.copyOf(items.values())) {
      boolean needed = item.layer() ? neededLayers.contains(item.hex())
          : neededBlobs.contains(item.hex());
      if (needed || now - item.modifiedMillis() < policy.minAge().toMillis()) {
        continue;
      }
      try {
        if (item.layer()) {
          deleteLayer(item.hex());
          counts.layers++;
        } else {
          Files.deleteIfExists(blobDir.resolve(item.hex()));
          counts.blobs++;
        }
        counts.bytes += item.bytes();
        items.remove(key(item.hex(), item.layer()));
      } catch (IOException e) {
        log.warn("cannot remove {} {}: {}", item.layer() ? "layer" : "blob", item.hex(), e.toString());
      }
    }
  }

  private void deleteLayer(String hex) throws IOException {
    Path doomed = layerDir.resolve(BlobStore.TMP_PREFIX + "gc-" + hex);
    Files.move(layerDir.resolve(hex), doomed, StandardCopyOption.ATOMIC_MOVE);
    layerSizes.remove(hex);
    FileTrees.deleteRecursively(doomed);
  }

  private static long size(Map<String, Item> items) {
    return items.values().stream().mapToLong(Item::bytes).sum();
  }

  private static String key(String hex, boolean layer) {
    return (layer ? "l:" : "b:") + hex;
  }

  /** Every complete blob and layer with its size and modification time. */
  private Map<String, Item> inventory() throws IOException {
    Map<String, Item> items = new HashMap<>();
    try (DirectoryStream<Path> blobs = Files.newDirectoryStream(blobDir)) {
      for (Path p : blobs) {
        String name = p.getFileName().toString();
        if (name.startsWith(BlobStore.TMP_PREFIX)) {
          continue;
        }
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        items.put(key(name, false), new Item(name, false, a.size(), a.lastModifiedTime().toMillis()));
      }
    }
    try (DirectoryStream<Path> layers = Files.newDirectoryStream(layerDir)) {
      for (Path p : layers) {
        String name = p.getFileName().toString();
        if (name.startsWith(BlobStore.TMP_PREFIX)) {
          continue;
        }
        long modified = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
        items.put(key(name, true), new Item(name, true, layerSize(name, p), modified));
      }
    }
    return items;
  }

  private long layerSize(String hex, Path dir) throws IOException {
    Long known = layerSizes.get(hex);
    if (known != null) {
      return known;
    }
    long[] total = {0};
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        total[0] += attrs.isRegularFile() ? attrs.size() : 0;
        return FileVisitResult.CONTINUE;
      }
    });
    layerSizes.put(hex, total[0]);
    return total[0];
  }
}
