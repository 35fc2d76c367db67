package dev.gantry.scheduler.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An etcd user and its password (etcd's own auth, {@code etcdctl auth enable}). The password
 * comes from a file or the environment, never from a command-line flag, where {@code ps} would
 * show it. {@link #toString()} never shows the password.
 */
public record EtcdCredentials(String user, String password) {
    /** Far more than any password; a larger file is surely not the password file. */
    static final int MAX_PASSWORD_BYTES = 4096;

    public EtcdCredentials {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("an etcd user name is required");
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("etcd user " + user + " needs a password");
        }
    }

    /**
     * The password in {@code file}: its whole content as UTF-8, without one trailing line
     * break (as `echo` or an editor leaves it).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read, is empty or too large
     */
    public static String readPasswordFile(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_PASSWORD_BYTES) {
                throw new IllegalArgumentException("etcd password file " + file + " is larger than "
                        + MAX_PASSWORD_BYTES + " bytes; it should hold the password alone");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("etcd password file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("etcd password file " + file + " cannot be read: " + e.getMessage(), e);
        }
        String password = new String(bytes, StandardCharsets.UTF_8);
        if (password.endsWith("\r\n")) password = password.substring(0, password.length() - 2);
        else if (password.endsWith("\n")) password = password.substring(0, password.length() - 1);
        if (password.isEmpty()) {
            throw new IllegalArgumentException("etcd password file " + file + " is empty");
        }
        return password;
    }

    @Override
    public String toString() {
        return "EtcdCredentials[user=" + user + ", password=(hidden)]";
    }
}
