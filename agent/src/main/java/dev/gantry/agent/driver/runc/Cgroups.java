package dev.gantry.agent.driver.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * What the driver reads from, and cleans up in, a container's cgroup. {@code cgroupPath} is the
 * OCI {@code cgroupsPath} (e.g. {@code /gantry/ID}). Implementations are stateless and thread-safe.
 */
public interface Cgroups {

    /** v1 when the memory controller has its own hierarchy (hybrid or legacy), else unified v2. */
    static Cgroups detect(Path mountRoot) {
        if (Files.isDirectory(mountRoot.resolve("memory")) && Files.exists(mountRoot.resolve("memory/memory.limit_in_bytes"))) {
            return new CgroupsV1(mountRoot);
        }
        return new CgroupsV2(mountRoot);
    }

    static Cgroups detect() {
        return detect(Path.of("/sys/fs/cgroup"));
    }

    /** "v1" or "v2". */
    String version();

    /** Whether a swap limit can be set (v1: memsw files exist; v2: memory.swap.max exists). */
    boolean supportsSwapLimit();

    /** The memory limit in bytes, empty when unlimited or the cgroup is gone. */
    OptionalLong memoryLimit(String cgroupPath) throws IOException;

    /** The CPU quota in microseconds per period, empty when unlimited or the cgroup is gone. */
    OptionalLong cpuQuotaMicros(String cgroupPath) throws IOException;

    /** How often the kernel's OOM killer killed a process in this cgroup; 0 when the cgroup is gone. */
    long oomKillCount(String cgroupPath) throws IOException;

    /** Whether any controller still has the cgroup's directory. */
    boolean exists(String cgroupPath);

    /** The pids still in the cgroup (any controller); empty when gone. */
    java.util.List<Long> pids(String cgroupPath) throws IOException;

    /**
     * Removes the cgroup's directories (empty cgroups only: kill the processes first). Idempotent.
     * @throws IOException when a directory is still busy
     */
    void remove(String cgroupPath) throws IOException;

    static String relative(String cgroupPath) {
        String p = cgroupPath.startsWith("/") ? cgroupPath.substring(1) : cgroupPath;
        if (p.isEmpty() || p.contains("..")) throw new IllegalArgumentException("bad cgroup path: " + cgroupPath);
        return p;
    }

    static OptionalLong readLong(Path file) throws IOException {
        if (!Files.exists(file)) return OptionalLong.empty();
        String s = Files.readString(file).trim();
        String first = s.isEmpty() ? "" : s.split("\\s+")[0]; // v2's cpu.max is "quota period"
        if (first.isEmpty() || first.equals("max")) return OptionalLong.empty();
        return OptionalLong.of(Long.parseLong(first));
    }

    /** A "key value" line from a flat-keyed file such as memory.oom_control or memory.events. */
    static long readKey(Path file, String key) throws IOException {
        if (!Files.exists(file)) return 0;
        for (String line : Files.readAllLines(file)) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals(key)) return Long.parseLong(kv[1]);
        }
        return 0;
    }
}
