package dev.gantry.agent.image;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Read access by relative name to the files of a local image: an OCI layout directory or a tar
 * (OCI layout or docker save). Names are archive-internal, e.g. "index.json", "blobs/sha256/ab..".
 */
interface ImageArchive extends Closeable {
  int MAX_JSON_BYTES = 8 << 20;

  boolean exists(String name);

  /** Opens a file; an ImageException names a missing file. */
  InputStream open(String name) throws IOException, ImageException;

  /** Reads a small (JSON) file, refusing absurd sizes rather than exhausting the heap. */
  default byte[] readSmall(String name) throws IOException, ImageException {
    try (InputStream in = open(name)) {
      byte[] bytes = in.readNBytes(MAX_JSON_BYTES + 1);
      if (bytes.length > MAX_JSON_BYTES) {
        throw new ImageException(name + " is larger than " + MAX_JSON_BYTES + " bytes");
      }
      return bytes;
    }
  }

  default boolean isOciLayout() {
    return exists("oci-layout") && exists("index.json");
  }

  static ImageArchive open(Path path) throws IOException, ImageException {
    if (Files.isDirectory(path)) {
      return new DirectoryArchive(path);
    }
    if (!Files.isRegularFile(path)) {
      throw new ImageException("no such file or directory");
    }
    byte[] magic;
    try (InputStream in = Files.newInputStream(path)) {
      magic = in.readNBytes(4);
    }
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      throw new ImageException("compressed image archives are not supported; decompress it"
          + " first (e.g. gunzip) and load the .tar");
    }
    return new TarImageArchive(path);
  }

  /**
   * Normalises an archive-internal name. Names come from manifests inside the archive, so they
   * must not climb out of it.
   */
  static String clean(String name) throws ImageException {
    java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.pollLast() == null) {
          throw new ImageException("archive path '" + name + "' points outside the archive");
        }
        continue;
      }
      parts.addLast(part);
    }
    return String.join("/", parts);
  }
}
