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
 * <p>Pull policy: a digest reference whose manifests are already stored is resolved without the
 * network (if-not-present); a tag is re-resolved against the registry on every call (a moved tag
 * is followed), but only blobs that are missing are downloaded. Two callers pulling the same
 * image (by manifest digest) at once download it once: the second waits and then finds the
 * blobs present. Thread-safe.
 */
final class RegistryPuller {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_INDEX_DEPTH = 4;

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
  ResolvedImage pull(RegistryReference ref) throws IOException, ImageException {
    Resolved resolved = resolve(ref);
    ResolvedImage image = resolved.image();
    synchronized (pulls.computeIfAbsent(image.manifestDigest(), k -> new Object())) {
      if (!blobs.has(image.configDigest())) {
        client.fetchBlob(ref, new RegistryClient.BlobRequest(image.configDigest(), resolved.configSize(),
            "config " + image.configDigest()), blobs);
      }
      List<String> diffIds = ConfigDocument.parse(blobs.read(image.configDigest())).diffIds();
      List<RegistryClient.BlobRequest> missing = new ArrayList<>();
      for (int i = 0; i < image.layers().size(); i++) {
        ResolvedImage.LayerBlob layer = image.layers().get(i);
        boolean unpacked = i < diffIds.size() && layers.has(diffIds.get(i));
        if (!unpacked && !blobs.has(layer.digest())
            && missing.stream().noneMatch(m -> m.digest().equals(layer.digest()))) {
          missing.add(new RegistryClient.BlobRequest(layer.digest(), layer.size(),
              "layer " + layer.digest()));
        }
      }
      client.fetchBlobs(ref, missing, blobs);
    }
    return image;
  }

  private record Resolved(ResolvedImage image, long configSize) {}

  private Resolved resolve(RegistryReference ref) throws IOException, ImageException {
    String reference = ref.manifestReference();
    for (int depth = 0; depth <= MAX_INDEX_DEPTH; depth++) {
      byte[] bytes = manifest(ref, reference);
      String digest = Digests.of(bytes);
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
          doc.path("config").path("size").asLong(-1));
    }
    throw new ImageException("image indexes are nested deeper than " + MAX_INDEX_DEPTH);
  }

  /** A manifest by tag (always asked) or digest (from the store when there), verified. */
  private byte[] manifest(RegistryReference ref, String reference)
      throws IOException, ImageException {
    if (reference.startsWith("sha256:") && blobs.has(reference)) {
      return blobs.read(reference); // stored only after verification
    }
    RegistryClient.Manifest m = client.manifest(ref, reference);
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
