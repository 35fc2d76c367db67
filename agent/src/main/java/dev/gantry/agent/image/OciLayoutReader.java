package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Resolves an image in an OCI image layout (directory or tar): index.json, then nested indexes
 * (choosing this host's platform), manifest and config. Every JSON blob is verified against its
 * descriptor's digest and size and kept in the blob store.
 */
final class OciLayoutReader {
  static final String REF_NAME = "org.opencontainers.image.ref.name";
  static final String CONTAINERD_NAME = "io.containerd.image.name";
  private static final int MAX_INDEX_DEPTH = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ImageArchive archive;
  private final BlobStore blobs;

  OciLayoutReader(ImageArchive archive, BlobStore blobs) {
    this.archive = archive;
    this.blobs = blobs;
  }

  ResolvedImage resolve(Optional<String> selector) throws IOException, ImageException {
    JsonNode index = parse(archive.readSmall("index.json"), "index.json");
    List<JsonNode> descriptors = new ArrayList<>();
    index.path("manifests").forEach(descriptors::add);
    // Some tools list the platform manifests of one image directly in index.json.
    boolean allPlatforms = descriptors.size() > 1 && selector.isEmpty()
        && descriptors.stream().allMatch(Platform::hasPlatform);
    JsonNode chosen = allPlatforms
        ? Platform.choose(descriptors)
        : ImageSelection.select(descriptors, OciLayoutReader::names,
            d -> d.path("digest").asText("?"), selector);
    return resolveDescriptor(chosen, 0);
  }

  private static List<String> names(JsonNode descriptor) {
    List<String> names = new ArrayList<>();
    for (String key : List.of(REF_NAME, CONTAINERD_NAME)) {
      String n = descriptor.path("annotations").path(key).asText("");
      if (!n.isEmpty()) {
        names.add(n);
      }
    }
    return names;
  }

  private ResolvedImage resolveDescriptor(JsonNode descriptor, int depth)
      throws IOException, ImageException {
    String digest = Digests.check(descriptor.path("digest").asText(null), "manifest descriptor");
    JsonNode doc = parse(readBlob(descriptor, "manifest " + digest), "manifest " + digest);
    String mediaType = descriptor.path("mediaType").asText(doc.path("mediaType").asText(""));
    if (doc.path("schemaVersion").asInt() == 1) {
      throw new ImageException("manifest " + digest + " is Docker schema 1, which is not supported");
    }
    if (mediaType.contains("index") || mediaType.contains("manifest.list")
        || (doc.has("manifests") && !doc.has("layers"))) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new ImageException("image indexes are nested deeper than " + MAX_INDEX_DEPTH);
      }
      List<JsonNode> manifests = new ArrayList<>();
      doc.path("manifests").forEach(manifests::add);
      return resolveDescriptor(Platform.choose(manifests), depth + 1);
    }
    JsonNode config = doc.path("config");
    String configDigest = Digests.check(config.path("digest").asText(null), "config descriptor");
    readBlob(config, "config " + configDigest);
    List<ResolvedImage.LayerBlob> layers = new ArrayList<>();
    for (JsonNode layer : doc.path("layers")) {
      String d = Digests.check(layer.path("digest").asText(null), "layer descriptor");
      layers.add(new ResolvedImage.LayerBlob(
          d, "blobs/sha256/" + Digests.hex(d), layer.path("mediaType").asText(null)));
    }
    return new ResolvedImage(digest, configDigest, layers);
  }

  /** Reads a JSON blob named by a descriptor, verifies it, and stores it. */
  private byte[] readBlob(JsonNode descriptor, String what) throws IOException, ImageException {
    String digest = descriptor.path("digest").asText();
    byte[] bytes = archive.readSmall("blobs/sha256/" + Digests.hex(digest));
    if (descriptor.has("size") && descriptor.path("size").asLong() != bytes.length) {
      throw new ImageException(what + " size mismatch: expected " + descriptor.path("size").asLong()
          + " bytes got " + bytes.length);
    }
    if (!blobs.has(digest)) {
      blobs.put(new ByteArrayInputStream(bytes), digest, what);
    } else if (!Digests.of(bytes).equals(digest)) {
      throw new ImageException(ImageException.Reason.DIGEST_MISMATCH,
          what + " digest mismatch: expected " + digest + " got "
          + Digests.of(bytes) + " (the archive is corrupt or was modified)");
    }
    return bytes;
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
