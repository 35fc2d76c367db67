package dev.gantry.agent.driver.runc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The numeric identity a task runs as. A job's {@code user} is {@code uid[:gid]} or
 * {@code name[:group]}; names resolve through the image's own /etc/passwd and /etc/group
 * (never the host's).
 */
public record ImageUser(int uid, int gid, String home) {
    public static final ImageUser ROOT = new ImageUser(0, 0, "/root");

    /** Pure resolution against the given file contents (either may be empty). */
    public static ImageUser resolve(String user, String passwd, String group) {
        if (user == null || user.isBlank()) return lookupUid(0, passwd).orElse(ROOT);
        String u = user.trim();
        String g = null;
        int colon = u.indexOf(':');
        if (colon >= 0) {
            g = u.substring(colon + 1);
            u = u.substring(0, colon);
        }
        ImageUser base;
        if (isNumber(u)) {
            int uid = parseId(u, user);
            // Docker's rule: a uid missing from the image's passwd runs with gid 0.
            base = lookupUid(uid, passwd).orElse(new ImageUser(uid, 0, "/"));
        } else {
            String name = u;
            base = lookupName(name, passwd).orElseThrow(() ->
                    new IllegalArgumentException("user '" + name + "' not found in the image's /etc/passwd"));
        }
        if (g == null || g.isEmpty()) return base;
        int gid;
        if (isNumber(g)) {
            gid = parseId(g, user);
        } else {
            String name = g;
            gid = lookupGroup(name, group).orElseThrow(() ->
                    new IllegalArgumentException("group '" + name + "' not found in the image's /etc/group"));
        }
        return new ImageUser(base.uid, gid, base.home);
    }

    /**
     * Reads the rootfs's /etc/passwd and /etc/group, refusing files that resolve outside the
     * rootfs (an image's absolute symlink must not make us read the host's files).
     */
    public static ImageUser resolve(String user, Path rootfs) throws IOException {
        return resolve(user, readInside(rootfs, "etc/passwd"), readInside(rootfs, "etc/group"));
    }

    private static String readInside(Path rootfs, String relative) throws IOException {
        Path p = rootfs.resolve(relative);
        if (!Files.exists(p)) return "";
        Path real = p.toRealPath();
        if (!real.startsWith(rootfs.toRealPath())) return "";
        return Files.readString(real, StandardCharsets.UTF_8);
    }

    private static Optional<ImageUser> lookupUid(int uid, String passwd) {
        for (String line : passwd.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length >= 6 && isNumber(f[2]) && Integer.parseInt(f[2]) == uid && isNumber(f[3])) {
                return Optional.of(new ImageUser(uid, Integer.parseInt(f[3]), f[5].isEmpty() ? "/" : f[5]));
            }
        }
        return Optional.empty();
    }

    private static Optional<ImageUser> lookupName(String name, String passwd) {
        for (String line : passwd.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length >= 6 && f[0].equals(name) && isNumber(f[2]) && isNumber(f[3])) {
                return Optional.of(new ImageUser(Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                        f[5].isEmpty() ? "/" : f[5]));
            }
        }
        return Optional.empty();
    }

    private static Optional<Integer> lookupGroup(String name, String group) {
        for (String line : group.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[0].equals(name) && isNumber(f[2])) return Optional.of(Integer.parseInt(f[2]));
        }
        return Optional.empty();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() <= 10 && s.chars().allMatch(Character::isDigit);
    }

    private static int parseId(String s, String user) {
        long v = Long.parseLong(s);
        if (v > Integer.MAX_VALUE) throw new IllegalArgumentException("id out of range in user '" + user + "'");
        return (int) v;
    }
}
