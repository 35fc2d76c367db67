package dev.gantry.agent.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Raw glibc bindings for the file syscalls the JDK lacks. Package-private: callers use
 * {@link LinuxFiles}, which checks errno and turns it into exceptions.
 * Declaring {@link LastErrorException} makes JNA capture errno right after each call.
 */
interface LibC extends Library {
  LibC INSTANCE = Native.load("c", LibC.class);

  // Variadic in C; JNA's Object... passes the arguments with the variadic calling convention.
  long syscall(long number, Object... args) throws LastErrorException;

  int openat(int dirfd, String path, int flags, Object... mode) throws LastErrorException;

  int mkdirat(int dirfd, String path, int mode) throws LastErrorException;

  int symlinkat(String target, int newdirfd, String linkpath) throws LastErrorException;

  int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags)
      throws LastErrorException;

  int mknodat(int dirfd, String path, int mode, long dev) throws LastErrorException;

  int unlinkat(int dirfd, String path, int flags) throws LastErrorException;

  int fchownat(int dirfd, String path, int uid, int gid, int flags) throws LastErrorException;

  int fchmodat(int dirfd, String path, int mode, int flags) throws LastErrorException;

  int fchown(int fd, int uid, int gid) throws LastErrorException;

  int fchmod(int fd, int mode) throws LastErrorException;

  int fstatat(int dirfd, String path, byte[] statbuf, int flags) throws LastErrorException;

  int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

  int fsetxattr(int fd, String name, byte[] value, long size, int flags) throws LastErrorException;

  long fgetxattr(int fd, String name, byte[] value, long size) throws LastErrorException;

  int syncfs(int fd) throws LastErrorException;

  long write(int fd, byte[] buf, long count) throws LastErrorException;

  int close(int fd) throws LastErrorException;
}
