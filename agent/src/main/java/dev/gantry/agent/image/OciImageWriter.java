package dev.gantry.agent.image;

import dev.gantry.agent.sys.FileTrees;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Builds small images without Docker, for tests and the quick start: an OCI image layout
 * directory (or a tar of one), a multi-platform index, or a {@code docker save} tar. Layers are
 * {@link LayerTar}s, so hostile layers can be written too. Not thread-safe; in memory.
 *
 * <pre>{@code
 * new OciImageWriter().layer(LayerTar.fromDirectory(rootfs)).entrypoint("/bin/sh")
 *     .refName("demo:1").writeLayoutTar(Path.of("/tmp/demo.tar"));
 * }</pre>
 */
public final class OciImageWriter {
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Digests of what was written, so tests can find (and corrupt) blobs. */
  public record WrittenImage(String manifestDigest, String configDigest, List<String> layerDigests,
      List<String> diffIds) {}

  /** An image serialised to blobs, before being laid out in some format. */
  private record Blobs(WrittenImage digests, byte[] manifest, byte[] config, List<byte[]> layers) {}

  private final List<LayerTar> layers = new ArrayList<>();
  private List<String> entrypoint = List.of();
  private List<String> cmd = List.of();
  private List<String> env = List.of();
  private String workingDir = "";
  private String user = "";
  private String refName;
  private boolean gzip;
  private String os = "linux";
  private String architecture = Platform.hostArch();

  public OciImageWriter layer(LayerTar layer) {
    layers.add(layer);
    return this;
  }

  public OciImageWriter entrypoint(String... args) {
    entrypoint = List.of(args);
    return this;
  }

  public OciImageWriter cmd(String... args) {
    cmd = List.of(args);
    return this;
  }

  public OciImageWriter env(String... vars) {
    env = List.of(vars);
    return this;
  }

  public OciImageWriter workingDir(String dir) {
    workingDir = dir;
    return this;
  }

  public OciImageWriter user(String user) {
    this.user = user;
    return this;
  }

  /** The name under which the image is listed: OCI ref name annotation, docker RepoTags. */
  public OciImageWriter refName(String name) {
    refName = name;
    return this;
  }

  public OciImageWriter gzip(boolean gzip) {
    this.gzip = gzip;
    return this;
  }

  /** The config's os/architecture (default linux and this host's arch). */
  public OciImageWriter platform(String os, String architecture) {
    this.os = os;
    this.architecture = architecture;
    return this;
  }

  /** Adds this image to the OCI layout at {@code dir}, creating the layout if needed. */
  public WrittenImage writeLayout(Path dir) throws IOException {
    Blobs b = build();
    writeBlobs(dir, b);
    addToIndex(dir, descriptor(OCI_MANIFEST, b.digests().manifestDigest(), b.manifest().length,
        refName));
    return b.digests();
  }

  /** Writes a tar of an OCI layout holding just this image. */
  public WrittenImage writeLayoutTar(Path tarFile) throws IOException {
    Path tmp = Files.createTempDirectory("oci-layout");
    try {
      WrittenImage written = writeLayout(tmp);
      tarDirectory(tmp, tarFile);
      return written;
    } finally {
      FileTrees.deleteRecursively(tmp);
    }
  }

  /**
   * Adds one multi-platform image to the layout at {@code dir}: an image index (named
   * {@code refName}) pointing at one manifest per writer, each with its writer's platform.
   *
   * @return the index digest
   */
  public static String writeMultiPlatform(Path dir, String refName, List<OciImageWriter> images)
      throws IOException {
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_INDEX);
    ArrayNode manifests = index.putArray("manifests");
    for (OciImageWriter image : images) {
      Blobs b = image.build();
      writeBlobs(dir, b);
      ObjectNode d = descriptor(OCI_MANIFEST, b.digests().manifestDigest(), b.manifest().length,
          null);
      d.putObject("platform").put("os", image.os).put("architecture", image.architecture);
      manifests.add(d);
    }
    byte[] bytes = JSON.writeValueAsBytes(index);
    String digest = Digests.of(bytes);
    writeBlob(dir, digest, bytes);
    addToIndex(dir, descriptor(OCI_INDEX, digest, bytes.length, refName));
    return digest;
  }

  /** Writes a {@code docker save} tar of this image, see {@link #writeDockerSave(Path, List, boolean)}. */
  public WrittenImage writeDockerSave(Path tarFile, boolean contentAddressed) throws IOException {
    return writeDockerSave(tarFile, List.of(this), contentAddressed).get(0);
  }

  /**
   * Writes a {@code docker save} tar holding these images (RepoTags from their ref names).
   *
   * @param contentAddressed the Docker 25+ form (blobs/sha256/...) instead of the classic one
   *     ({@code <id>.json}, {@code <layer>/layer.tar})
   */
  public static List<WrittenImage> writeDockerSave(Path tarFile, List<OciImageWriter> images,
      boolean contentAddressed) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    ArrayNode manifest = JSON.createArrayNode();
    List<WrittenImage> written = new ArrayList<>();
    for (OciImageWriter image : images) {
      Blobs b = image.build();
      written.add(b.digests());
      String configHex = Digests.hex(b.digests().configDigest());
      String configName = contentAddressed ? "blobs/sha256/" + configHex : configHex + ".json";
      files.put(configName, b.config());
      ObjectNode entry = manifest.addObject().put("Config", configName);
      ArrayNode tags = entry.putArray("RepoTags");
      if (image.refName != null) {
        tags.add(image.refName);
      }
      ArrayNode layerNames = entry.putArray("Layers");
      for (int i = 0; i < b.layers().size(); i++) {
        String hex = Digests.hex(b.digests().layerDigests().get(i));
        String name = contentAddressed ? "blobs/sha256/" + hex : hex + "/layer.tar";
        files.put(name, b.layers().get(i));
        layerNames.add(name);
      }
    }
    files.put("manifest.json", JSON.writeValueAsBytes(manifest));
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(tarFile))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        TarArchiveEntry e = new TarArchiveEntry(f.getKey());
        e.setSize(f.getValue().length);
        tar.putArchiveEntry(e);
        tar.write(f.getValue());
        tar.closeArchiveEntry();
      }
    }
    return written;
  }

  /** Tars a directory tree (e.g. an OCI layout) with names relative to it. */
  public static void tarDirectory(Path dir, Path tarFile) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(tarFile))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Path f : files) {
        TarArchiveEntry e = new TarArchiveEntry(dir.relativize(f).toString());
        e.setSize(Files.size(f));
        tar.putArchiveEntry(e);
        Files.copy(f, tar);
        tar.closeArchiveEntry();
      }
    }
  }

  private Blobs build() throws IOException {
    List<byte[]> layerBlobs = new ArrayList<>();
    List<String> layerDigests = new ArrayList<>();
    List<String> diffIds = new ArrayList<>();
    for (LayerTar layer : layers) {
      byte[] tar = layer.toTar();
      byte[] blob = gzip ? gzip(tar) : tar;
      diffIds.add(Digests.of(tar));
      layerDigests.add(Digests.of(blob));
      layerBlobs.add(blob);
    }
    ObjectNode config = JSON.createObjectNode().put("architecture", architecture).put("os", os);
    ObjectNode c = config.putObject("config");
    strings(c.putArray("Entrypoint"), entrypoint);
    strings(c.putArray("Cmd"), cmd);
    strings(c.putArray("Env"), env);
    c.put("WorkingDir", workingDir).put("User", user);
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    strings(rootfs.putArray("diff_ids"), diffIds);
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = Digests.of(configBytes);

    ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
        .put("mediaType", OCI_MANIFEST);
    manifest.set("config", descriptor(OCI_CONFIG, configDigest, configBytes.length, null));
    ArrayNode layerDescriptors = manifest.putArray("layers");
    for (int i = 0; i < layerBlobs.size(); i++) {
      layerDescriptors.add(descriptor(gzip ? OCI_LAYER + "+gzip" : OCI_LAYER,
          layerDigests.get(i), layerBlobs.get(i).length, null));
    }
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    return new Blobs(new WrittenImage(Digests.of(manifestBytes), configDigest, layerDigests,
        diffIds), manifestBytes, configBytes, layerBlobs);
  }

  private static void writeBlobs(Path dir, Blobs b) throws IOException {
    writeBlob(dir, b.digests().manifestDigest(), b.manifest());
    writeBlob(dir, b.digests().configDigest(), b.config());
    for (int i = 0; i < b.layers().size(); i++) {
      writeBlob(dir, b.digests().layerDigests().get(i), b.layers().get(i));
    }
  }

  private static void writeBlob(Path dir, String digest, byte[] content) throws IOException {
    Path blobDir = Files.createDirectories(dir.resolve("blobs").resolve("sha256"));
    Files.write(blobDir.resolve(Digests.hex(digest)), content);
  }

  /** Appends a descriptor to index.json, creating the layout files on first use. */
  private static void addToIndex(Path dir, ObjectNode descriptor) throws IOException {
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}",
        StandardCharsets.UTF_8);
    Path indexFile = dir.resolve("index.json");
    ObjectNode index = Files.exists(indexFile)
        ? (ObjectNode) JSON.readTree(indexFile.toFile())
        : JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_INDEX);
    ArrayNode manifests = index.has("manifests")
        ? (ArrayNode) index.get("manifests") : index.putArray("manifests");
    manifests.add(descriptor);
    JSON.writeValue(indexFile.toFile(), index);
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size,
      String refName) {
    ObjectNode d = JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest)
        .put("size", size);
    if (refName != null) {
      d.putObject("annotations").put(OciLayoutReader.REF_NAME, refName);
    }
    return d;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GzipCompressorOutputStream(bytes)) {
      out.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException("gzip in memory", e);
    }
    return bytes.toByteArray();
  }
}
