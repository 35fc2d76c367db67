package dev.gantry.agent.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes one image as a classic {@code docker save} tar ({@code manifest.json}, {@code <id>.json},
 * {@code <digest>/layer.tar}): the format every Docker Engine's load endpoint reads. Layer blobs go
 * in as stored, gzip or not: the engine decompresses them and checks them against the diff_ids.
 */
final class DockerSaveTar {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DockerSaveTar() {}

  /** Streams the tar to {@code out} (left open); {@code layers} are blob digests in the store, lowest first. */
  static void write(OutputStream out, BlobStore blobs, String configDigest, List<String> layers)
      throws IOException {
    String configName = Digests.hex(configDigest) + ".json";
    ObjectNode entry = JSON.createObjectNode().put("Config", configName);
    entry.putArray("RepoTags");
    ArrayNode names = entry.putArray("Layers");
    layers.forEach(d -> names.add(Digests.hex(d) + "/layer.tar"));
    TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(out));
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    add(tar, "manifest.json", JSON.writeValueAsBytes(JSON.createArrayNode().add(entry)));
    add(tar, configName, blobs.read(configDigest));
    for (String d : layers) {
      Path blob = blobs.path(d);
      TarArchiveEntry e = new TarArchiveEntry(Digests.hex(d) + "/layer.tar");
      e.setSize(Files.size(blob));
      tar.putArchiveEntry(e);
      try (InputStream in = Files.newInputStream(blob)) {
        in.transferTo(tar);
      }
      tar.closeArchiveEntry();
    }
    tar.finish();
    tar.close();
  }

  private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  /** The caller owns the stream: closing the tar must not close it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
