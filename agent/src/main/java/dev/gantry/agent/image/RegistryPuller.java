package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Brings a registry image's manifests, config and layer blobs into the blob store.
 *
 * <p>How much the registry is asked depends on the {@link Mode}: a tag is always resolved
 * against the registry (the store maps tags to digests for the policies that avoid it, see
 * {@link ImageStore}); a digest's manifest comes from the store when there unless the mode is
 * REFRESH. Only blobs that are missing are downloaded. Two callers pulling the same image (by
 * manifest digest) at once download it once: the second waits and then finds the blobs present.
 * Thread-safe.
 */
final class RegistryPuller {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_INDEX_DEPTH = 4;

  /** How much the registry may be asked. */
  enum Mode {
    /** Fetch the named manifest from the registry even when a digest's manifest is stored. */
    REFRESH,
    /** Use stored manifests for digests; fetch what is missing. */
    CACHED,
    /** No network: fail with NOT_FOUND when anything is missing from the store. */
    OFFLINE
  }

  /**
   * What a pull found.
   *
   * @param manifests every manifest and index it went through, the image's own manifest last
   */
  record Pulled(ResolvedImage image, List<String> manifests) {}

  private final RegistryClient client;
  private final BlobStore blobs;
  private final LayerStore layers;
  // One lock per manifest digest; never removed: a few bytes per distinct image ever pulled.
  private final ConcurrentMap<String, Object> pulls = new ConcurrentHashMap<>();

  RegistryPuller(RegistryClient client, BlobStore blobs, LayerStore layers) {
    this.client = client;
    this.blobs = blobs;
    this.layers = layers;
  }

  /**
   * Resolves the reference to this host's image manifest and makes sure its config and every
   * layer not yet unpacked are in the blob store. Nothing is unpacked here, so a failed download
   * leaves no layer behind.
   */
  Pulled pull(RegistryReference ref, Mode mode, PullTracker tracker)
      throws IOException, ImageException {
    return pull(ref, mode, tracker, null);
  }

  /**
   * As above, with a task's own credentials (its image pull secret) tried before the agent's;
   * null for the agent's only.
   */
  Pulled pull(RegistryReference ref, Mode mode, PullTracker tracker, RegistryCredentials preferred)
      throws IOException, ImageException {
    RegistryCredentials credentials = client.credentials(preferred);
    Resolved resolved = resolve(ref, mode, tracker, credentials);
    ResolvedImage image = resolved.image();
    synchronized (pulls.computeIfAbsent(image.manifestDigest(), k -> new Object())) {
      if (!blobs.has(image.configDigest())) {
        requireNetwork(mode, ref, "its config " + image.configDigest());
        client.fetchBlob(ref, new RegistryClient.BlobRequest(image.configDigest(),
            resolved.configSize(), "config " + image.configDigest()), blobs, n -> { }, credentials);
      }
      List<String> diffIds = ConfigDocument.parse(blobs.read(image.configDigest())).diffIds();
      List<RegistryClient.BlobRequest> missing = new ArrayList<>();
      long total = 0;
      for (int i = 0; i < image.layers().size(); i++) {
        ResolvedImage.LayerBlob layer = image.layers().get(i);
        boolean unpacked = i < diffIds.size() && layers.has(diffIds.get(i));
        if (!unpacked && !blobs.has(layer.digest())
            && missing.stream().noneMatch(m -> m.digest().equals(layer.digest()))) {
          requireNetwork(mode, ref, "its layer " + layer.digest());
          missing.add(new RegistryClient.BlobRequest(layer.digest(), layer.size(),
              "layer " + layer.digest()));
          total += Math.max(0, layer.size());
        }
      }
      if (!missing.isEmpty()) {
        tracker.downloading(total);
        client.fetchBlobs(ref, missing, blobs, tracker::received, credentials);
      }
    }
    return new Pulled(image, resolved.manifests());
  }

  private static void requireNetwork(Mode mode, RegistryReference ref, String what)
      throws ImageException {
    if (mode == Mode.OFFLINE) {
      throw new ImageException(ImageException.Reason.NOT_FOUND, ref + " is not complete on this"
          + " node (" + what + " is missing) and the pull policy is never");
    }
  }

  private record Resolved(ResolvedImage image, long configSize, List<String> manifests) {}

  private Resolved resolve(RegistryReference ref, Mode mode, PullTracker tracker,
      RegistryCredentials credentials) throws IOException, ImageException {
    String reference = ref.manifestReference();
    List<String> seen = new ArrayList<>();
    // Only the name the task gave is refreshed; an index's entries are digests, fixed by it.
    Mode entries = mode == Mode.REFRESH ? Mode.CACHED : mode;
    for (int depth = 0; depth <= MAX_INDEX_DEPTH; depth++) {
      byte[] bytes = manifest(ref, reference, depth == 0 ? mode : entries, tracker, credentials);
      String digest = Digests.of(bytes);
      seen.add(digest);
      JsonNode doc = parse(bytes, "manifest " + digest);
      String mediaType = doc.path("mediaType").asText("");
      if (doc.path("schemaVersion").asInt() == 1) {
        throw new ImageException("manifest " + digest + " is Docker schema 1, which is not"
            + " supported; push the image again with a current docker or buildah");
      }
      if (mediaType.contains("index") || mediaType.contains("manifest.list")
          || (doc.has("manifests") && !doc.has("layers"))) {
        List<JsonNode> manifests = new ArrayList<>();
        doc.path("manifests").forEach(manifests::add);
        reference = Digests.check(Platform.choose(manifests).path("digest").asText(null),
            "index " + digest + " entry");
        continue;
      }
      String config = Digests.check(doc.path("config").path("digest").asText(null),
          "config descriptor of manifest " + digest);
      List<ResolvedImage.LayerBlob> layerBlobs = new ArrayList<>();
      for (JsonNode layer : doc.path("layers")) {
        String d = Digests.check(layer.path("digest").asText(null), "layer descriptor");
        String layerType = layer.path("mediaType").asText(null);
        if (layerType != null && layerType.contains("zstd")) {
          throw new ImageException("layer " + d + " is zstd-compressed (" + layerType + "), which"
              + " is not supported yet; push the image with gzip layers");
        }
        layerBlobs.add(new ResolvedImage.LayerBlob(d, null, layerType,
            layer.path("size").asLong(-1)));
      }
      return new Resolved(new ResolvedImage(digest, config, layerBlobs),
          doc.path("config").path("size").asLong(-1), seen);
    }
    throw new ImageException("image indexes are nested deeper than " + MAX_INDEX_DEPTH);
  }

  /** A manifest by tag (always asked) or digest (from the store when there, unless REFRESH), verified. */
  private byte[] manifest(RegistryReference ref, String reference, Mode mode, PullTracker tracker,
      RegistryCredentials credentials) throws IOException, ImageException {
    boolean digest = reference.startsWith("sha256:");
    if (digest && mode != Mode.REFRESH && blobs.has(reference)) {
      return blobs.read(reference); // stored only after verification
    }
    requireNetwork(mode, ref, "manifest " + reference);
    tracker.resolving();
    RegistryClient.Manifest m = client.manifest(ref, reference, credentials);
    if (!blobs.has(m.digest())) {
      blobs.put(new ByteArrayInputStream(m.bytes()), m.digest(), "manifest " + m.digest());
    }
    return m.bytes();
  }

  private static JsonNode parse(byte[] json, String what) throws ImageException {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || !node.isObject()) {
        throw new ImageException(what + " is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new ImageException(what + " is not valid JSON: " + e.getMessage(), e);
    }
  }
}
