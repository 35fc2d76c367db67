package dev.gantry.agent.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The content of one image layer as tar entries, for {@link OciImageWriter}. Names and link
 * targets are written verbatim (absolute paths and ".." included), so tests can craft hostile
 * layers. Entries get a fixed mtime and the current owner (default 0:0), so output is
 * reproducible. Not thread-safe; held in memory, meant for small images.
 */
public final class LayerTar {
  private static final FileTime FIXED_MTIME = FileTime.fromMillis(1_700_000_000_000L);

  private record Item(TarArchiveEntry entry, byte[] content) {}

  private final List<Item> items = new ArrayList<>();
  private int uid;
  private int gid;

  /** A layer holding a copy of a host directory tree (modes, owners, mtimes, symlinks). */
  public static LayerTar fromDirectory(Path dir) throws IOException {
    LayerTar layer = new LayerTar();
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.filter(p -> !p.equals(dir)).sorted().toList();
    }
    for (Path p : paths) {
      String name = dir.relativize(p).toString();
      int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
      TarArchiveEntry e;
      byte[] content = new byte[0];
      if (Files.isSymbolicLink(p)) {
        e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(Files.readSymbolicLink(p).toString());
      } else if (Files.isDirectory(p)) {
        e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
      } else if (Files.isRegularFile(p)) {
        e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        content = Files.readAllBytes(p);
      } else {
        continue; // sockets, devices: not image content
      }
      e.setMode(mode);
      e.setUserId((Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS));
      e.setGroupId((Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
      e.setModTime(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
      layer.entry(e, content);
    }
    return layer;
  }

  /** Owner of the entries added after this call. */
  public LayerTar owner(int uid, int gid) {
    this.uid = uid;
    this.gid = gid;
    return this;
  }

  public LayerTar directory(String name, int mode) {
    return add(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode, null, new byte[0]);
  }

  public LayerTar file(String name, int mode, String content) {
    return file(name, mode, content.getBytes(StandardCharsets.UTF_8));
  }

  public LayerTar file(String name, int mode, byte[] content) {
    return add(name, TarConstants.LF_NORMAL, mode, null, content);
  }

  public LayerTar symlink(String name, String target) {
    return add(name, TarConstants.LF_SYMLINK, 0777, target, new byte[0]);
  }

  public LayerTar hardLink(String name, String target) {
    return add(name, TarConstants.LF_LINK, 0644, target, new byte[0]);
  }

  public LayerTar charDevice(String name, int major, int minor) {
    return device(name, TarConstants.LF_CHR, major, minor);
  }

  public LayerTar blockDevice(String name, int major, int minor) {
    return device(name, TarConstants.LF_BLK, major, minor);
  }

  public LayerTar fifo(String name, int mode) {
    return add(name, TarConstants.LF_FIFO, mode, null, new byte[0]);
  }

  /** An OCI whiteout deleting {@code path} of the lower layers. */
  public LayerTar whiteout(String path) {
    int slash = path.lastIndexOf('/');
    return file(path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), 0644, "");
  }

  /** An OCI opaque marker: {@code dir} hides all of its lower layers' content. */
  public LayerTar opaque(String dir) {
    return file((dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", 0644, "");
  }

  /** Any raw entry; {@code content} is its data for regular files. */
  public LayerTar entry(TarArchiveEntry entry, byte[] content) {
    entry.setSize(LayerExtractor.isRegular(entry) ? content.length : 0);
    items.add(new Item(entry, content));
    return this;
  }

  /** The uncompressed layer tar. */
  public byte[] toTar() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Item item : items) {
        tar.putArchiveEntry(item.entry());
        if (LayerExtractor.isRegular(item.entry())) {
          tar.write(item.content());
        }
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing a tar in memory", e);
    }
    return bytes.toByteArray();
  }

  private LayerTar device(String name, byte type, int major, int minor) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setMode(0666);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    owned(e);
    return entry(e, new byte[0]);
  }

  private LayerTar add(String name, byte type, int mode, String link, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setMode(mode);
    if (link != null) {
      e.setLinkName(link);
    }
    owned(e);
    return entry(e, content);
  }

  private void owned(TarArchiveEntry e) {
    e.setUserId(uid);
    e.setGroupId(gid);
    e.setModTime(FIXED_MTIME);
  }
}
