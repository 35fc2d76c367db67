package dev.gantry.agent.image;

import dev.gantry.agent.sys.LinuxFiles.ErrnoException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks one layer tar (plain or gzip) into an empty directory through {@link LayerRoot}, turning
 * OCI whiteouts into overlayfs ones, and returns the digest of the uncompressed tar (the diff_id).
 *
 * <p>Policy: character and block devices in a layer are skipped with a warning (a container gets
 * its devices from the runtime, and a device node in the shared layer store would be a way into
 * host hardware). Setuid/setgid bits are kept, as images need them (su, ping); the store root is
 * mode 0700 so host users cannot reach those binaries, and containers run with noNewPrivileges by
 * default. Extended attributes from PAX headers are not applied.
 */
final class LayerExtractor {
  private static final Logger log = LoggerFactory.getLogger(LayerExtractor.class);
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  private record DeferredTimes(EntryPath path, EntryAttributes attributes) {}

  /**
   * @param label names the layer in errors and logs
   * @return "sha256:..." of the uncompressed tar stream
   */
  String extract(InputStream blob, Path dir, String label) throws IOException, ImageException {
    MessageDigest md = Digests.sha256();
    try (InputStream digesting = new DigestInputStream(decompress(blob, label), md);
        LayerRoot root = LayerRoot.open(dir)) {
      TarArchiveInputStream tar = new TarArchiveInputStream(digesting);
      List<DeferredTimes> dirTimes = new ArrayList<>();
      TarArchiveEntry entry;
      while ((entry = nextEntry(tar, label)) != null) {
        try {
          apply(root, tar, entry, dirTimes);
        } catch (ErrnoException e) {
          throw new ImageException(label + ": cannot extract '" + entry.getName() + "': "
              + e.getMessage(), e);
        } catch (ImageException e) {
          throw new ImageException(label + ": " + e.getMessage(), e);
        }
      }
      for (int i = dirTimes.size() - 1; i >= 0; i--) {
        try {
          root.directoryTimes(dirTimes.get(i).path(), dirTimes.get(i).attributes());
        } catch (ErrnoException ignored) {
          // best effort, see LayerRoot.times
        }
      }
      digesting.transferTo(OutputStream.nullOutputStream()); // the diff_id covers trailing blocks
      root.sync();
    }
    return Digests.of(md);
  }

  private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, String label)
      throws ImageException {
    try {
      return tar.getNextEntry();
    } catch (IOException | RuntimeException e) {
      throw new ImageException(label + ": not a valid tar stream: " + e.getMessage(), e);
    }
  }

  private static InputStream decompress(InputStream blob, String label)
      throws IOException, ImageException {
    InputStream in = new BufferedInputStream(blob, 64 * 1024);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GzipCompressorInputStream(in, true);
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
      throw new ImageException(label + " is zstd-compressed, which is not supported yet;"
          + " rebuild or re-export the image with gzip or uncompressed layers");
    }
    return in;
  }

  private static void apply(LayerRoot root, TarArchiveInputStream tar, TarArchiveEntry e,
      List<DeferredTimes> dirTimes) throws IOException, ImageException {
    if (e.isGlobalPaxHeader() || e.isPaxHeader()) {
      return;
    }
    EntryPath path = EntryPath.parse(e.getName());
    EntryAttributes attrs = new EntryAttributes(e.getMode(), (int) e.getLongUserId(),
        (int) e.getLongGroupId(), e.getLastModifiedTime().toInstant().getEpochSecond(),
        e.getLastModifiedTime().toInstant().getNano());
    if (!path.isRoot() && path.name().startsWith(WHITEOUT)) {
      whiteout(root, path);
    } else if (e.isDirectory()) {
      if (path.isRoot()) {
        root.rootAttributes(attrs);
      } else {
        root.directory(path, attrs);
        dirTimes.add(new DeferredTimes(path, attrs));
      }
    } else if (e.isSymbolicLink()) {
      root.symlink(path, e.getLinkName(), attrs);
    } else if (e.isLink()) {
      root.hardLink(path, EntryPath.parse(e.getLinkName()));
    } else if (e.isCharacterDevice() || e.isBlockDevice()) {
      log.warn("skipping device node {} in a layer: devices come from the container runtime",
          path);
    } else if (e.isFIFO()) {
      root.fifo(path, attrs);
    } else if (isRegular(e)) {
      root.regularFile(path, attrs, tar);
    } else {
      throw new ImageException("tar entry " + path + " has unsupported type '"
          + (char) e.getLinkFlag() + "'");
    }
  }

  /** Not TarArchiveEntry.isFile(), which is true for any unknown type not named like a dir. */
  static boolean isRegular(TarArchiveEntry e) {
    byte t = e.getLinkFlag();
    return t == TarConstants.LF_NORMAL || t == TarConstants.LF_OLDNORM
        || t == TarConstants.LF_CONTIG;
  }

  private static void whiteout(LayerRoot root, EntryPath path) throws IOException, ImageException {
    String name = path.name();
    if (name.equals(OPAQUE)) {
      root.opaque(path.parent());
    } else if (name.startsWith(WHITEOUT + WHITEOUT)) {
      return; // other AUFS metadata (.wh..wh.plnk, ...): meaningless to overlayfs
    } else {
      String hidden = name.substring(WHITEOUT.length());
      if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
        throw new ImageException("invalid whiteout " + path);
      }
      List<String> parts = new ArrayList<>(path.parent().components());
      parts.add(hidden);
      root.whiteout(new EntryPath(parts));
    }
  }
}
