package dev.gantry.agent.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The {@code openat2(2)} and {@code *at} file syscalls (x86_64 Linux, kernel >= 5.6), with errno
 * turned into {@link ErrnoException}. These let a caller resolve paths relative to a directory fd
 * that acts as a root ({@link #RESOLVE_IN_ROOT}), which java.nio cannot do. Stateless and
 * thread-safe; every returned fd is O_CLOEXEC and must be {@link #close closed} by the caller.
 */
public final class LinuxFiles {
  public static final int AT_FDCWD = -100;
  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_REMOVEDIR = 0x200;
  public static final int AT_SYMLINK_FOLLOW = 0x400;
  public static final int AT_EMPTY_PATH = 0x1000;

  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 01;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_NOFOLLOW = 0400000;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_PATH = 010000000;

  public static final long RESOLVE_NO_MAGICLINKS = 0x02;
  public static final long RESOLVE_IN_ROOT = 0x10;

  public static final int S_IFMT = 0170000;
  public static final int S_IFIFO = 0010000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFLNK = 0120000;

  public static final int ENOENT = 2;
  public static final int EPERM = 1;
  public static final int EAGAIN = 11;
  public static final int EEXIST = 17;
  public static final int ENOTDIR = 20;
  public static final int EISDIR = 21;
  public static final int ENOSYS = 38;
  public static final int ENOTEMPTY = 39;
  public static final int ELOOP = 40;
  public static final int ENODATA = 61;

  private static final long SYS_OPENAT2 = 437; // x86_64
  private static final int STAT_SIZE = 144; // sizeof(struct stat) on x86_64
  private static final int STAT_MODE_OFFSET = 24;

  private LinuxFiles() {}

  /** A failed syscall; {@link #errno()} tells callers which failures they can handle. */
  public static final class ErrnoException extends IOException {
    private final int errno;

    ErrnoException(String call, String path, int errno) {
      super(call + "(" + path + "): " + describe(errno) + " (errno " + errno + ")");
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }

    private static String describe(int errno) {
      return switch (errno) {
        case ENOENT -> "no such file or directory";
        case EEXIST -> "file exists";
        case ENOTDIR -> "not a directory";
        case EISDIR -> "is a directory";
        case ENOTEMPTY -> "directory not empty";
        case ELOOP -> "too many symbolic links or a symlink where none is allowed";
        case EPERM -> "operation not permitted";
        case ENOSYS -> "syscall not supported by this kernel";
        default -> "error";
      };
    }
  }

  /**
   * {@code openat2(dirfd, path, {flags|O_CLOEXEC, mode, resolve})}. Retries EAGAIN, which the
   * kernel returns for RESOLVE_IN_ROOT when a concurrent rename could have raced the lookup.
   */
  public static int openat2(int dirfd, String path, int flags, int mode, long resolve)
      throws ErrnoException {
    try (Memory how = new Memory(24)) {
      how.setLong(0, Integer.toUnsignedLong(flags | O_CLOEXEC));
      how.setLong(8, mode);
      how.setLong(16, resolve);
      for (int attempt = 0; ; attempt++) {
        try {
          return (int) LibC.INSTANCE.syscall(SYS_OPENAT2, dirfd, path, how, 24L);
        } catch (LastErrorException e) {
          if (e.getErrorCode() != EAGAIN || attempt >= 16) {
            throw new ErrnoException("openat2", path, e.getErrorCode());
          }
        }
      }
    }
  }

  /** {@code openat2} with the path confined to the tree under {@code rootfd}: see the class doc. */
  public static int openInRoot(int rootfd, String path, int flags) throws ErrnoException {
    return openat2(rootfd, path, flags, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  }

  public static int openat(int dirfd, String path, int flags, int mode) throws ErrnoException {
    try {
      return LibC.INSTANCE.openat(dirfd, path, flags | O_CLOEXEC, mode);
    } catch (LastErrorException e) {
      throw new ErrnoException("openat", path, e.getErrorCode());
    }
  }

  public static void mkdirat(int dirfd, String name, int mode) throws ErrnoException {
    try {
      LibC.INSTANCE.mkdirat(dirfd, name, mode);
    } catch (LastErrorException e) {
      throw new ErrnoException("mkdirat", name, e.getErrorCode());
    }
  }

  public static void symlinkat(String target, int dirfd, String name) throws ErrnoException {
    try {
      LibC.INSTANCE.symlinkat(target, dirfd, name);
    } catch (LastErrorException e) {
      throw new ErrnoException("symlinkat", name, e.getErrorCode());
    }
  }

  public static void linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags)
      throws ErrnoException {
    try {
      LibC.INSTANCE.linkat(olddirfd, oldpath, newdirfd, newpath, flags);
    } catch (LastErrorException e) {
      throw new ErrnoException("linkat", newpath, e.getErrorCode());
    }
  }

  public static void mknodat(int dirfd, String name, int mode, long dev) throws ErrnoException {
    try {
      LibC.INSTANCE.mknodat(dirfd, name, mode, dev);
    } catch (LastErrorException e) {
      throw new ErrnoException("mknodat", name, e.getErrorCode());
    }
  }

  public static void unlinkat(int dirfd, String name, int flags) throws ErrnoException {
    try {
      LibC.INSTANCE.unlinkat(dirfd, name, flags);
    } catch (LastErrorException e) {
      throw new ErrnoException("unlinkat", name, e.getErrorCode());
    }
  }

  public static void fchownat(int dirfd, String name, int uid, int gid, int flags)
      throws ErrnoException {
    try {
      LibC.INSTANCE.fchownat(dirfd, name, uid, gid, flags);
    } catch (LastErrorException e) {
      throw new ErrnoException("fchownat", name, e.getErrorCode());
    }
  }

  /** Follows a symlink in {@code name}: call it only on a name the caller just created. */
  public static void fchmodat(int dirfd, String name, int mode) throws ErrnoException {
    try {
      LibC.INSTANCE.fchmodat(dirfd, name, mode, 0);
    } catch (LastErrorException e) {
      throw new ErrnoException("fchmodat", name, e.getErrorCode());
    }
  }

  public static void fchown(int fd, int uid, int gid) throws ErrnoException {
    try {
      LibC.INSTANCE.fchown(fd, uid, gid);
    } catch (LastErrorException e) {
      throw new ErrnoException("fchown", "fd " + fd, e.getErrorCode());
    }
  }

  public static void fchmod(int fd, int mode) throws ErrnoException {
    try {
      LibC.INSTANCE.fchmod(fd, mode);
    } catch (LastErrorException e) {
      throw new ErrnoException("fchmod", "fd " + fd, e.getErrorCode());
    }
  }

  /** The {@code st_mode} of {@code name} under {@code dirfd}; flags as for fstatat(2). */
  public static int statMode(int dirfd, String name, int flags) throws ErrnoException {
    byte[] buf = new byte[STAT_SIZE];
    try {
      LibC.INSTANCE.fstatat(dirfd, name, buf, flags);
    } catch (LastErrorException e) {
      throw new ErrnoException("fstatat", name, e.getErrorCode());
    }
    return (buf[STAT_MODE_OFFSET] & 0xff)
        | (buf[STAT_MODE_OFFSET + 1] & 0xff) << 8
        | (buf[STAT_MODE_OFFSET + 2] & 0xff) << 16
        | (buf[STAT_MODE_OFFSET + 3] & 0xff) << 24;
  }

  /** Sets atime and mtime of {@code name} (never following a final symlink). */
  public static void setTimes(int dirfd, String name, long epochSeconds, long nanos)
      throws ErrnoException {
    try {
      LibC.INSTANCE.utimensat(
          dirfd, name, new long[] {epochSeconds, nanos, epochSeconds, nanos}, AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException e) {
      throw new ErrnoException("utimensat", name, e.getErrorCode());
    }
  }

  public static void fsetxattr(int fd, String name, String value) throws ErrnoException {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    try {
      LibC.INSTANCE.fsetxattr(fd, name, bytes, bytes.length, 0);
    } catch (LastErrorException e) {
      throw new ErrnoException("fsetxattr", name, e.getErrorCode());
    }
  }

  /** An extended attribute's value, or null when the file does not have it (ENODATA). */
  public static String fgetxattr(int fd, String name) throws ErrnoException {
    byte[] buf = new byte[4096];
    try {
      long n = LibC.INSTANCE.fgetxattr(fd, name, buf, buf.length);
      return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ENODATA) {
        return null;
      }
      throw new ErrnoException("fgetxattr", name, e.getErrorCode());
    }
  }

  public static void syncfs(int fd) throws ErrnoException {
    try {
      LibC.INSTANCE.syncfs(fd);
    } catch (LastErrorException e) {
      throw new ErrnoException("syncfs", "fd " + fd, e.getErrorCode());
    }
  }

  /** Writes {@code buf[0..len)} completely, looping over short writes. */
  public static void writeFully(int fd, byte[] buf, int len) throws ErrnoException {
    int off = 0;
    while (off < len) {
      byte[] chunk = off == 0 ? buf : Arrays.copyOfRange(buf, off, len);
      try {
        off += (int) LibC.INSTANCE.write(fd, chunk, len - off);
      } catch (LastErrorException e) {
        throw new ErrnoException("write", "fd " + fd, e.getErrorCode());
      }
    }
  }

  /** Closes quietly: there is nothing useful to do about a failed close of a read/path fd. */
  public static void close(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      LibC.INSTANCE.close(fd);
    } catch (LastErrorException ignored) {
      // EBADF/EINTR on close: the fd is gone either way.
    }
  }

  /** {@code makedev(major, minor)} as glibc encodes it. */
  public static long makedev(int major, int minor) {
    long ma = Integer.toUnsignedLong(major);
    long mi = Integer.toUnsignedLong(minor);
    return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
  }
}
