package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The images in the store, one JSON record each under {@code <root>/images/<manifest hex>.json}:
 * which references name it (a tag names one image at a time), which blobs and layers it needs,
 * and when it was last used. What pull policies look tags up in and what garbage collection
 * keeps or removes. Thread-safe; records are written by atomic rename, so a crash leaves the
 * old or the new one.
 */
final class ImageIndex {
  private static final Logger log = LoggerFactory.getLogger(ImageIndex.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One image.
   *
   * @param manifestDigest the image's own manifest (for a docker save archive: its config)
   * @param manifests every manifest blob it needs, indexes included
   * @param blobs its layer blobs, lowest first
   * @param diffIds its unpacked layers, lowest first
   * @param references the names that resolve to it on this node, as given or normalised
   */
  record Entry(String manifestDigest, String configDigest, List<String> manifests,
      List<String> blobs, List<String> diffIds, Set<String> references, long lastUsedMillis) {
    Entry {
      manifests = List.copyOf(manifests);
      blobs = List.copyOf(blobs);
      diffIds = List.copyOf(diffIds);
      references = Set.copyOf(references);
    }
  }

  private final Path dir;
  private final Clock clock;
  private final Map<String, Entry> byDigest = new HashMap<>();
  private final Map<String, String> byReference = new HashMap<>();

  ImageIndex(Path root, Clock clock) throws IOException {
    this.dir = Files.createDirectories(root.resolve("images"));
    this.clock = clock;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : files) {
        if (f.getFileName().toString().startsWith(BlobStore.TMP_PREFIX)) {
          continue;
        }
        try {
          Entry e = JSON.readValue(f.toFile(), Entry.class);
          byDigest.put(e.manifestDigest(), e);
          e.references().forEach(r -> byReference.put(r, e.manifestDigest()));
        } catch (IOException | RuntimeException e) {
          log.warn("ignoring unreadable image record {}: {}", f, e.toString());
        }
      }
    }
  }

  /** The image with this manifest digest, if the store holds it. */
  synchronized Optional<Entry> byManifest(String manifestDigest) {
    return Optional.ofNullable(byDigest.get(manifestDigest));
  }

  /** The image a reference names on this node, if any. */
  synchronized Optional<Entry> find(String reference) {
    return Optional.ofNullable(byReference.get(reference)).map(byDigest::get);
  }

  /**
   * Records that {@code references} now name this image, used now. A reference that named
   * another image (a moved tag) no longer does; that image stays until collected.
   */
  synchronized Entry record(Set<String> references, String manifestDigest, String configDigest,
      List<String> manifests, List<String> blobs, List<String> diffIds) {
    for (String r : references) {
      String previous = byReference.put(r, manifestDigest);
      if (previous != null && !previous.equals(manifestDigest) && byDigest.containsKey(previous)) {
        Entry old = byDigest.get(previous);
        Set<String> left = new LinkedHashSet<>(old.references());
        left.remove(r);
        save(new Entry(old.manifestDigest(), old.configDigest(), old.manifests(), old.blobs(),
            old.diffIds(), left, old.lastUsedMillis()));
      }
    }
    Entry existing = byDigest.get(manifestDigest);
    Set<String> all = new LinkedHashSet<>(existing == null ? Set.of() : existing.references());
    all.addAll(references);
    Entry e = new Entry(manifestDigest, configDigest, manifests, blobs, diffIds, all,
        clock.millis());
    save(e);
    return e;
  }

  synchronized List<Entry> entries() {
    return new ArrayList<>(byDigest.values());
  }

  /** Forgets an image (its blobs and layers are the collector's business). */
  synchronized void remove(String manifestDigest) {
    Entry e = byDigest.remove(manifestDigest);
    if (e == null) {
      return;
    }
    e.references().forEach(r -> byReference.remove(r, manifestDigest));
    try {
      Files.deleteIfExists(file(manifestDigest));
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot remove image record " + file(manifestDigest), ex);
    }
  }

  private void save(Entry e) {
    byDigest.put(e.manifestDigest(), e);
    Path target = file(e.manifestDigest());
    try {
      Path tmp = Files.createTempFile(dir, BlobStore.TMP_PREFIX, ".json");
      try {
        JSON.writeValue(tmp.toFile(), e);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException ex) {
      // The pull itself worked; only the bookkeeping for policies and GC is behind.
      log.warn("cannot write image record {}: {}", target, ex.toString());
    }
  }

  private Path file(String manifestDigest) {
    return dir.resolve(Digests.hex(manifestDigest) + ".json");
  }
}
