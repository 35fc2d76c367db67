package dev.gantry.agent.image;

import static dev.gantry.agent.sys.LinuxFiles.*;

import dev.gantry.agent.sys.LinuxFiles;
import dev.gantry.agent.sys.LinuxFiles.ErrnoException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A layer directory being extracted, held open by fd. Every parent path is resolved by the
 * kernel with openat2(RESOLVE_IN_ROOT): ".." stops at the root and symlinks, absolute or
 * relative, resolve as if this directory were "/". The final component is then created with an
 * *at call that never follows it (O_EXCL|O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, or a name that was
 * just created). Whatever is already at that name is unlinked itself, never followed.
 * Not thread-safe: one extraction owns one LayerRoot.
 */
final class LayerRoot implements Closeable {
  private static final int DIR_PATH = O_PATH | O_DIRECTORY;
  private static final int IMPLICIT_DIR_MODE = 0755;
  private final int rootFd;

  private LayerRoot(int rootFd) {
    this.rootFd = rootFd;
  }

  static LayerRoot open(Path dir) throws IOException {
    return new LayerRoot(openat(AT_FDCWD, dir.toString(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0));
  }

  /** Applies a "./" entry's attributes to the layer root itself. */
  void rootAttributes(EntryAttributes a) throws IOException {
    fchown(rootFd, a.uid(), a.gid());
    fchmod(rootFd, a.mode());
  }

  void directory(EntryPath p, EntryAttributes a) throws IOException, ImageException {
    int parent = parentOf(p);
    try {
      if (!makeRoom(parent, p, true)) {
        mkdirat(parent, p.name(), 0700);
      }
      int fd = openat(parent, p.name(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
      try {
        fchown(fd, a.uid(), a.gid()); // before chmod: chown clears setuid/setgid
        fchmod(fd, a.mode());
      } finally {
        LinuxFiles.close(fd);
      }
    } finally {
      LinuxFiles.close(parent);
    }
  }

  void regularFile(EntryPath p, EntryAttributes a, InputStream content)
      throws IOException, ImageException {
    int parent = parentOf(p);
    try {
      makeRoom(parent, p, false);
      int fd = openat(parent, p.name(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
      try {
        byte[] buf = new byte[128 * 1024];
        int n;
        while ((n = content.read(buf)) > 0) {
          writeFully(fd, buf, n);
        }
        fchown(fd, a.uid(), a.gid());
        fchmod(fd, a.mode());
      } finally {
        LinuxFiles.close(fd);
      }
      times(parent, p.name(), a);
    } finally {
      LinuxFiles.close(parent);
    }
  }

  /** The target is stored verbatim: it is resolved later, inside the container's root. */
  void symlink(EntryPath p, String target, EntryAttributes a) throws IOException, ImageException {
    int parent = parentOf(p);
    try {
      makeRoom(parent, p, false);
      symlinkat(target, parent, p.name());
      fchownat(parent, p.name(), a.uid(), a.gid(), AT_SYMLINK_NOFOLLOW);
      times(parent, p.name(), a);
    } finally {
      LinuxFiles.close(parent);
    }
  }

  /** The target is resolved inside the root too, so a link can only share an inode of this layer. */
  void hardLink(EntryPath p, EntryPath target) throws IOException, ImageException {
    if (target.isRoot()) {
      throw new ImageException("hard link " + p + " points at the layer root");
    }
    int targetFd;
    try {
      targetFd = openInRoot(rootFd, target.relative(), O_PATH | O_NOFOLLOW);
    } catch (ErrnoException e) {
      throw new ImageException("hard link " + p + " -> " + target
          + ": the target is not an earlier entry of this layer (" + e.getMessage() + ")");
    }
    int parent = -1;
    try {
      if ((statMode(targetFd, "", AT_EMPTY_PATH) & S_IFMT) == S_IFDIR) {
        throw new ImageException("hard link " + p + " -> " + target + ": target is a directory");
      }
      parent = parentOf(p);
      makeRoom(parent, p, false);
      try {
        linkat(targetFd, "", parent, p.name(), AT_EMPTY_PATH);
      } catch (ErrnoException e) {
        if (e.errno() != ENOENT && e.errno() != EPERM) {
          throw e;
        }
        // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the fd's /proc link names the same inode.
        linkat(AT_FDCWD, "/proc/self/fd/" + targetFd, parent, p.name(), AT_SYMLINK_FOLLOW);
      }
    } finally {
      LinuxFiles.close(parent);
      LinuxFiles.close(targetFd);
    }
  }

  void fifo(EntryPath p, EntryAttributes a) throws IOException, ImageException {
    int parent = parentOf(p);
    try {
      makeRoom(parent, p, false);
      mknodat(parent, p.name(), S_IFIFO | 0600, 0);
      fchownat(parent, p.name(), a.uid(), a.gid(), AT_SYMLINK_NOFOLLOW);
      fchmodat(parent, p.name(), a.mode()); // safe: we just created this name as a fifo
      times(parent, p.name(), a);
    } finally {
      LinuxFiles.close(parent);
    }
  }

  /** An overlayfs whiteout: a 0/0 character device hiding {@code p} of the lower layers. */
  void whiteout(EntryPath p) throws IOException, ImageException {
    int parent = parentOf(p);
    try {
      makeRoom(parent, p, false);
      mknodat(parent, p.name(), S_IFCHR, makedev(0, 0));
    } finally {
      LinuxFiles.close(parent);
    }
  }

  /** Marks a directory opaque for overlayfs: lower layers' content under it is hidden. */
  void opaque(EntryPath dir) throws IOException, ImageException {
    int pathFd = directoryOf(dir);
    try {
      int fd = openat(pathFd, ".", O_RDONLY | O_DIRECTORY, 0);
      try {
        fsetxattr(fd, "trusted.overlay.opaque", "y");
      } finally {
        LinuxFiles.close(fd);
      }
    } finally {
      LinuxFiles.close(pathFd);
    }
  }

  /** Sets a directory's mtime; called after its children, whose creation changed it. */
  void directoryTimes(EntryPath p, EntryAttributes a) throws IOException {
    int parent = openInRoot(rootFd, p.parent().relative(), DIR_PATH);
    try {
      times(parent, p.name(), a);
    } finally {
      LinuxFiles.close(parent);
    }
  }

  /** Flushes the layer to disk so that the rename that publishes it cannot outlive its content. */
  void sync() throws IOException {
    syncfs(rootFd);
  }

  @Override
  public void close() {
    LinuxFiles.close(rootFd);
  }

  private int parentOf(EntryPath p) throws IOException, ImageException {
    if (p.isRoot()) {
      throw new ImageException("tar entry names the layer root itself but is not a directory");
    }
    return directoryOf(p.parent());
  }

  /**
   * Opens directory {@code dir} (resolved in the root), creating missing components as
   * root-owned 0755 directories, as tar does for entries whose parents were not listed.
   */
  private int directoryOf(EntryPath dir) throws IOException, ImageException {
    try {
      return openInRoot(rootFd, dir.relative(), DIR_PATH);
    } catch (ErrnoException e) {
      if (e.errno() != ENOENT) {
        throw notADirectory(dir, e);
      }
    }
    int current = openInRoot(rootFd, ".", DIR_PATH);
    try {
      for (int i = 1; i <= dir.components().size(); i++) {
        EntryPath prefix = dir.prefix(i);
        int next;
        try {
          next = openInRoot(rootFd, prefix.relative(), DIR_PATH);
        } catch (ErrnoException e) {
          if (e.errno() != ENOENT) {
            throw notADirectory(prefix, e);
          }
          try {
            mkdirat(current, prefix.name(), IMPLICIT_DIR_MODE);
          } catch (ErrnoException exists) {
            if (exists.errno() != EEXIST) {
              throw exists;
            }
            // The name exists but did not resolve: a symlink dangling inside the root.
            throw new ImageException("parent " + prefix
                + " is a symlink that does not resolve to a directory inside the layer");
          }
          next = openInRoot(rootFd, prefix.relative(), DIR_PATH);
        }
        LinuxFiles.close(current);
        current = next;
      }
      int result = current;
      current = -1;
      return result;
    } finally {
      LinuxFiles.close(current);
    }
  }

  private static ImageException notADirectory(EntryPath dir, ErrnoException e) {
    return new ImageException("parent " + dir + " is not a directory inside the layer ("
        + e.getMessage() + ")");
  }

  /**
   * Clears the final name for a new entry by unlinking what is there (a symlink is removed
   * itself, never followed). An existing directory is kept for a directory entry (returns true)
   * and removed only if empty otherwise.
   */
  private static boolean makeRoom(int parent, EntryPath p, boolean forDirectory)
      throws IOException, ImageException {
    int mode;
    try {
      mode = statMode(parent, p.name(), AT_SYMLINK_NOFOLLOW);
    } catch (ErrnoException e) {
      if (e.errno() == ENOENT) {
        return false;
      }
      throw e;
    }
    if ((mode & S_IFMT) == S_IFDIR) {
      if (forDirectory) {
        return true;
      }
      try {
        unlinkat(parent, p.name(), AT_REMOVEDIR);
      } catch (ErrnoException e) {
        throw new ImageException("tar entry " + p + " would replace a non-empty directory");
      }
      return false;
    }
    unlinkat(parent, p.name(), 0);
    return false;
  }

  /** mtimes are best effort: a layer is still correct without them. */
  private static void times(int parent, String name, EntryAttributes a) {
    try {
      setTimes(parent, name, a.mtimeSeconds(), a.mtimeNanos());
    } catch (ErrnoException ignored) {
      // e.g. an mtime out of the filesystem's range
    }
  }
}
