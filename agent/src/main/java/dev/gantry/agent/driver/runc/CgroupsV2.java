package dev.gantry.agent.driver.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * cgroup v2 (unified hierarchy). Not exercised by the integration tests, which run on a v1 host;
 * the file names follow the kernel's cgroup-v2 documentation.
 */
final class CgroupsV2 implements Cgroups {
    private final Path root;

    CgroupsV2(Path root) {
        this.root = root;
    }

    @Override
    public String version() {
        return "v2";
    }

    @Override
    public boolean supportsSwapLimit() {
        // Only cgroups below the root have memory.swap.max; a root with the memory controller enabled suffices.
        try {
            return Files.readString(root.resolve("cgroup.subtree_control")).contains("memory");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public OptionalLong memoryLimit(String cgroupPath) throws IOException {
        return Cgroups.readLong(dir(cgroupPath).resolve("memory.max"));
    }

    @Override
    public OptionalLong cpuQuotaMicros(String cgroupPath) throws IOException {
        return Cgroups.readLong(dir(cgroupPath).resolve("cpu.max")); // "max 100000" or "quota period"
    }

    @Override
    public long oomKillCount(String cgroupPath) throws IOException {
        return Cgroups.readKey(dir(cgroupPath).resolve("memory.events"), "oom_kill");
    }

    @Override
    public boolean exists(String cgroupPath) {
        return Files.isDirectory(dir(cgroupPath));
    }

    @Override
    public List<Long> pids(String cgroupPath) throws IOException {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dir(cgroupPath).resolve("cgroup.procs"))) {
                if (!line.isBlank()) pids.add(Long.parseLong(line.trim()));
            }
        } catch (NoSuchFileException ignored) {
            // gone
        }
        return pids;
    }

    @Override
    public void remove(String cgroupPath) throws IOException {
        try {
            Files.delete(dir(cgroupPath));
        } catch (NoSuchFileException ignored) {
            // gone
        }
    }

    private Path dir(String cgroupPath) {
        return root.resolve(Cgroups.relative(cgroupPath));
    }
}
