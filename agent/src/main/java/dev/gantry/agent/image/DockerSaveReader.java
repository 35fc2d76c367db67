package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves an image in a {@code docker save} tar: manifest.json entries with Config, RepoTags and
 * Layers. There is no manifest blob, so the config digest stands in for the manifest digest
 * (it is the Docker image ID). Layer blobs are verified by name when the archive is
 * content-addressed (blobs/sha256/..., Docker 25+) and always by the config's diff_ids.
 */
final class DockerSaveReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX_NAME =
      Pattern.compile("(?:blobs/sha256/)?([0-9a-f]{64})(?:\\.json)?");

  private final ImageArchive archive;
  private final BlobStore blobs;

  DockerSaveReader(ImageArchive archive, BlobStore blobs) {
    this.archive = archive;
    this.blobs = blobs;
  }

  ResolvedImage resolve(Optional<String> selector) throws IOException, ImageException {
    if (!archive.exists("manifest.json")) {
      throw new ImageException(
          "not an image archive: it has neither oci-layout+index.json nor manifest.json");
    }
    JsonNode manifest;
    try {
      manifest = JSON.readTree(archive.readSmall("manifest.json"));
    } catch (IOException e) {
      throw new ImageException("manifest.json is not valid JSON: " + e.getMessage(), e);
    }
    if (manifest == null || !manifest.isArray()) {
      throw new ImageException("manifest.json is not a JSON array");
    }
    List<JsonNode> entries = new ArrayList<>();
    manifest.forEach(entries::add);
    JsonNode entry = ImageSelection.select(entries, DockerSaveReader::repoTags,
        e -> e.path("Config").asText("?"), selector);

    String configPath = ImageArchive.clean(entry.path("Config").asText(""));
    byte[] config = archive.readSmall(configPath);
    String configDigest = blobs.put(
        new ByteArrayInputStream(config), digestFromName(configPath), "config " + configPath);

    List<ResolvedImage.LayerBlob> layers = new ArrayList<>();
    for (JsonNode layer : entry.path("Layers")) {
      String path = ImageArchive.clean(layer.asText(""));
      layers.add(new ResolvedImage.LayerBlob(digestFromName(path), path, null));
    }
    return new ResolvedImage(configDigest, configDigest, layers);
  }

  private static List<String> repoTags(JsonNode entry) {
    List<String> tags = new ArrayList<>();
    entry.path("RepoTags").forEach(t -> tags.add(t.asText()));
    return tags;
  }

  /** "abc…64.json" and "blobs/sha256/abc…64" name their content; "abc/layer.tar" does not. */
  private static String digestFromName(String path) {
    Matcher m = HEX_NAME.matcher(path);
    return m.matches() ? "sha256:" + m.group(1) : null;
  }
}
