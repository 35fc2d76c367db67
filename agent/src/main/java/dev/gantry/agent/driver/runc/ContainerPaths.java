package dev.gantry.agent.driver.runc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of one container's directory {@code <root>/containers/<id>/}: the OCI bundle, the
 * overlay's upper and work dirs, and conmon's pid files, exit dir, persist dir and socket dir.
 */
record ContainerPaths(String id, Path dir) {

    static ContainerPaths of(Path driverRoot, String id) {
        return new ContainerPaths(id, driverRoot.resolve("containers").resolve(id));
    }

    Path bundle() { return dir.resolve("bundle"); }
    Path rootfs() { return bundle().resolve("rootfs"); }
    Path configJson() { return bundle().resolve("config.json"); }
    Path upper() { return dir.resolve("upper"); }
    Path work() { return dir.resolve("work"); }
    Path initPidFile() { return dir.resolve("init.pid"); }
    Path conmonPidFile() { return dir.resolve("conmon.pid"); }
    Path exitDir() { return dir.resolve("exits"); }
    Path exitFile() { return exitDir().resolve(id); }
    Path persistDir() { return dir.resolve("persist"); }
    /** conmon creates {@code persist/oom} (and {@code bundle/oom}) when the OOM killer hit the container. */
    Path oomFile() { return persistDir().resolve("oom"); }
    Path bundleOomFile() { return bundle().resolve("oom"); }
    Path socketDir() { return dir.resolve("sock"); }
    Path runcLog() { return dir.resolve("runc.log"); }
    Path conmonOutput() { return dir.resolve("conmon.out"); }
    /** Pid and runc log files of exec'd commands, one pair per exec while it runs. */
    Path execDir() { return dir.resolve("exec"); }
    /** Written by the driver once the exit was observed, so OOM facts outlive the cgroup. */
    Path resultFile() { return dir.resolve("result.json"); }

    String readConmonOutput() {
        return readQuietly(conmonOutput());
    }

    static String readQuietly(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8).strip() : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** A pid file's value, or -1 when absent or not yet fully written. */
    static long readPid(Path p) {
        String s = readQuietly(p);
        try {
            return s.isEmpty() ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
