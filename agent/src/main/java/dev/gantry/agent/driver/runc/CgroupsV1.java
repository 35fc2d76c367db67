package dev.gantry.agent.driver.runc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;

/** cgroup v1: one hierarchy per controller under the mount root (e.g. /sys/fs/cgroup/memory). */
final class CgroupsV1 implements Cgroups {
    /** Above this the kernel means "no limit" (it rounds LONG_MAX down to a page). */
    private static final long UNLIMITED = Long.MAX_VALUE - 4096 * 2;
    private final Path root;

    CgroupsV1(Path root) {
        this.root = root;
    }

    @Override
    public String version() {
        return "v1";
    }

    @Override
    public boolean supportsSwapLimit() {
        return Files.exists(root.resolve("memory/memory.memsw.limit_in_bytes"));
    }

    @Override
    public OptionalLong memoryLimit(String cgroupPath) throws IOException {
        OptionalLong v = Cgroups.readLong(dir("memory", cgroupPath).resolve("memory.limit_in_bytes"));
        return v.isPresent() && v.getAsLong() >= UNLIMITED ? OptionalLong.empty() : v;
    }

    @Override
    public OptionalLong cpuQuotaMicros(String cgroupPath) throws IOException {
        OptionalLong v = Cgroups.readLong(dir("cpu", cgroupPath).resolve("cpu.cfs_quota_us"));
        return v.isPresent() && v.getAsLong() < 0 ? OptionalLong.empty() : v;
    }

    @Override
    public long oomKillCount(String cgroupPath) throws IOException {
        return Cgroups.readKey(dir("memory", cgroupPath).resolve("memory.oom_control"), "oom_kill");
    }

    @Override
    public boolean exists(String cgroupPath) {
        return !existingDirs(cgroupPath).isEmpty();
    }

    @Override
    public List<Long> pids(String cgroupPath) throws IOException {
        TreeSet<Long> pids = new TreeSet<>();
        for (Path d : existingDirs(cgroupPath)) {
            try {
                for (String line : Files.readAllLines(d.resolve("cgroup.procs"))) {
                    if (!line.isBlank()) pids.add(Long.parseLong(line.trim()));
                }
            } catch (NoSuchFileException ignored) {
                // removed meanwhile
            }
        }
        return new ArrayList<>(pids);
    }

    @Override
    public void remove(String cgroupPath) throws IOException {
        for (Path d : existingDirs(cgroupPath)) {
            try {
                Files.delete(d); // rmdir; the kernel's control files vanish with it
            } catch (NoSuchFileException ignored) {
                // gone meanwhile
            } catch (IOException e) {
                throw new IOException("cannot remove cgroup " + d + ": " + e, e);
            }
        }
    }

    private List<Path> existingDirs(String cgroupPath) {
        String rel = Cgroups.relative(cgroupPath);
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> controllers = Files.newDirectoryStream(root)) {
            for (Path c : controllers) {
                if (c.getFileName().toString().equals("unified")) continue; // empty v2 mount in hybrid mode
                Path d = c.resolve(rel);
                if (Files.isDirectory(d) && !Files.isSymbolicLink(c)) dirs.add(d);
            }
        } catch (IOException e) {
            return dirs;
        }
        return dirs;
    }

    private Path dir(String controller, String cgroupPath) {
        return root.resolve(controller).resolve(Cgroups.relative(cgroupPath));
    }
}
