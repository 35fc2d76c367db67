package dev.gantry.agent.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * A tar of an OCI layout or a {@code docker save} tar, read with random access ({@link TarFile})
 * so that a blob is read without scanning the whole archive again.
 */
final class TarImageArchive implements ImageArchive {
  private static final int MAX_LINK_HOPS = 8;
  private final TarFile tar;
  private final Map<String, TarArchiveEntry> entries = new HashMap<>();

  TarImageArchive(Path file) throws IOException, ImageException {
    try {
      this.tar = new TarFile(file);
    } catch (IOException | RuntimeException e) {
      throw new ImageException("not a readable tar archive: " + e.getMessage(), e);
    }
    for (TarArchiveEntry e : tar.getEntries()) {
      try {
        entries.put(ImageArchive.clean(e.getName()), e);
      } catch (ImageException ignored) {
        // An entry outside the archive can never be named by a manifest; skip it.
      }
    }
  }

  @Override
  public boolean exists(String name) {
    try {
      return resolve(name) != null;
    } catch (ImageException e) {
      return false;
    }
  }

  @Override
  public InputStream open(String name) throws IOException, ImageException {
    TarArchiveEntry entry = resolve(name);
    if (entry == null) {
      throw new ImageException("the archive has no file " + name);
    }
    return tar.getInputStream(entry);
  }

  /** Follows archive-internal symlinks and hard links (old docker save dedupes layers so). */
  private TarArchiveEntry resolve(String name) throws ImageException {
    String current = ImageArchive.clean(name);
    for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      TarArchiveEntry e = entries.get(current);
      if (e == null) {
        return null;
      }
      if (e.isSymbolicLink()) {
        String target = e.getLinkName();
        int slash = current.lastIndexOf('/');
        String base = slash < 0 ? "" : current.substring(0, slash + 1);
        current = ImageArchive.clean(target.startsWith("/") ? target : base + target);
      } else if (e.isLink()) {
        current = ImageArchive.clean(e.getLinkName());
      } else {
        return LayerExtractor.isRegular(e) ? e : null;
      }
    }
    throw new ImageException("too many links resolving " + name + " in the archive");
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }
}
