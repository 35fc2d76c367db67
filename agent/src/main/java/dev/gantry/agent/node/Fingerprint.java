package dev.gantry.agent.node;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Reads this server's facts from the JDK and /proc: CPU, memory, hostname, OS, architecture, kernel. */
public final class Fingerprint {
    private Fingerprint() {
    }

    public static long cpuMillis() {
        return Runtime.getRuntime().availableProcessors() * 1000L;
    }

    /** Total memory from /proc/meminfo ("MemTotal: 24570128 kB"). */
    public static long memoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the JVM's view
        }
        return Runtime.getRuntime().maxMemory();
    }

    public static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty()) return h;
        } catch (IOException e) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Go-style architecture names, as image indexes use them. */
    public static String arch() {
        String a = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (a) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }

    public static Map<String, String> attributes() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("os.name", System.getProperty("os.name").toLowerCase(Locale.ROOT));
        m.put("os.arch", arch());
        try {
            m.put("kernel.version", Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
        } catch (IOException e) {
            // not Linux: leave it out
        }
        m.put("cpu.cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        m.put("unique.hostname", hostname());
        return m;
    }
}
