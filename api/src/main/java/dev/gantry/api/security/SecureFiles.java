package dev.gantry.api.security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files whole or not at all: data goes to a temporary file beside the target, created
 * with the final permissions (so a secret is never readable by others, not even briefly), is
 * synced, and then takes the target's name. POSIX file systems only.
 */
final class SecureFiles {
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private SecureFiles() {
    }

    /** Replaces {@code target} (or creates it) with {@code data}. */
    static void writeAtomically(Path target, byte[] data, Set<PosixFilePermission> permissions) throws IOException {
        Path tmp = writeTemp(target, data, permissions);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Creates {@code target} with {@code data} unless it exists; never replaces a file.
     *
     * @return false when {@code target} already existed (then it is left as it was)
     */
    static boolean createExclusively(Path target, byte[] data, Set<PosixFilePermission> permissions) throws IOException {
        Path tmp = writeTemp(target, data, permissions);
        try {
            // A hard link is created whole and fails if the name is taken: no reader sees half a file.
            Files.createLink(target, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The file's permissions that let its group or others read or write it; empty when none do. */
    static Set<PosixFilePermission> groupOrOtherAccess(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        permissions.retainAll(Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE));
        return permissions;
    }

    private static Path writeTemp(Path target, byte[] data, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
            PosixFilePermissions.asFileAttribute(permissions));
        try {
            // The umask may have narrowed what was asked; make the mode exact.
            Files.setPosixFilePermissions(tmp, permissions);
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            return tmp;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }
}
