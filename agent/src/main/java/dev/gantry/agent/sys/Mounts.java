package dev.gantry.agent.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * mount(2) and umount2(2) for overlay root filesystems. Calls act on the agent's (host) mount
 * namespace; they are thread-safe because the kernel calls are.
 */
public final class Mounts {
    private static final int EINVAL = 22;
    private static final int ENOENT = 2;
    private static final int EBUSY = 16;
    private static final int MNT_DETACH = 2;
    /** The kernel copies at most one page of mount data; longer option strings fail with EINVAL. */
    private static final int MAX_MOUNT_DATA = 4095;

    private interface MountLib extends Library {
        int mount(String source, String target, String filesystemType, NativeLong flags, String data)
                throws LastErrorException;

        int umount2(String target, int flags) throws LastErrorException;
    }

    private static final class Holder {
        static final MountLib LIB = Native.load("c", MountLib.class);
    }

    private Mounts() {
    }

    /**
     * Mounts an overlay on {@code target}. {@code lowerTopFirst} lists the read-only layers with the
     * TOP layer first (overlayfs's order); {@code upper}/{@code work} may both be null for a
     * read-only overlay (then at least two lower layers are needed by the kernel).
     */
    public static void mountOverlay(List<Path> lowerTopFirst, Path upper, Path work, Path target) throws IOException {
        if (lowerTopFirst.isEmpty()) throw new IllegalArgumentException("overlay needs at least one lower layer");
        StringBuilder data = new StringBuilder("lowerdir=");
        for (int i = 0; i < lowerTopFirst.size(); i++) {
            if (i > 0) data.append(':');
            data.append(checkOptionPath(lowerTopFirst.get(i)));
        }
        if (upper != null) {
            data.append(",upperdir=").append(checkOptionPath(upper)).append(",workdir=").append(checkOptionPath(work));
        }
        if (data.length() > MAX_MOUNT_DATA) {
            throw new IOException("overlay options are " + data.length() + " bytes, more than the kernel's "
                    + MAX_MOUNT_DATA + " (too many or too deep layer paths)");
        }
        try {
            Holder.LIB.mount("overlay", target.toString(), "overlay", new NativeLong(0), data.toString());
        } catch (LastErrorException e) {
            throw new IOException("mount overlay on " + target + " failed: errno " + e.getErrorCode()
                    + " (" + e.getMessage() + "), options " + data, e);
        }
    }

    /**
     * Unmounts {@code target}; falls back to a lazy (MNT_DETACH) unmount when it is busy.
     * Idempotent: returns false when nothing was mounted there (or the path is gone).
     */
    public static boolean unmount(Path target) throws IOException {
        try {
            Holder.LIB.umount2(target.toString(), 0);
            return true;
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == EINVAL || errno == ENOENT) return false;
            if (errno != EBUSY) throw new IOException("umount " + target + " failed: errno " + errno, e);
        }
        try {
            Holder.LIB.umount2(target.toString(), MNT_DETACH);
            return true;
        } catch (LastErrorException e) {
            throw new IOException("lazy umount " + target + " failed: errno " + e.getErrorCode(), e);
        }
    }

    /** Whether {@code target} is a mount point in this process's mount namespace (per /proc/self/mountinfo). */
    public static boolean isMountPoint(Path target) throws IOException {
        String want = target.toAbsolutePath().normalize().toString();
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && unescapeOctal(f[4]).equals(want)) return true;
        }
        return false;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescapeOctal(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Overlay splits its options on ',' and ':' (and unescapes '\'); such paths cannot be passed. */
    private static String checkOptionPath(Path p) throws IOException {
        String s = p.toAbsolutePath().toString();
        if (s.indexOf(',') >= 0 || s.indexOf(':') >= 0 || s.indexOf('\\') >= 0) {
            throw new IOException("path not usable in overlay options (contains , : or \\): " + s);
        }
        return s;
    }
}
