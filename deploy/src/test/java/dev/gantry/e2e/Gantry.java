package dev.gantry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;


/**
 * Drives the built distribution's {@code bin/gantry} as a user would: client verbs as
 * short processes, daemons as background processes with their output in a log file.
 */
final class Gantry {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The distribution under test: {@code -Dgantry.home}, set by the deploy module's failsafe configuration. */
    static Path home() {
        String home = System.getProperty("gantry.home");
        if (home == null) throw new IllegalStateException("gantry.home is not set: run through `mvn verify`");
        Path bin = Path.of(home, "bin", "gantry");
        if (!Files.isExecutable(bin)) throw new IllegalStateException(bin + " is missing: the distribution was not built");
        return bin;
    }

    record Result(int exitCode, String stdout, String stderr) {
        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + stdout + "\nstderr: " + stderr, e);
            }
        }
    }

    /** Runs one client verb against {@code address} and waits for it (at most 2 minutes). */
    static Result run(String address, String... args) {
        List<String> cmd = new ArrayList<>(List.of(home().toString()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("gantry-out", ".txt");
            Path err = Files.createTempFile("gantry-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (address != null) pb.environment().put("GANTRY_ADDR", address);
            Process p = pb.start();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("gantry " + String.join(" ", args) + " did not finish in 2 minutes");
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A background daemon (`gantry dev|scheduler|agent ...`), output in {@code log}. */
    static Process start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(home().toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Stops a daemon: SIGTERM, then SIGKILL after {@code grace}. */
    static void stop(Process p, Duration grace) throws InterruptedException {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * A range of {@code size} ports for an agent's dynamic allocation, outside this machine's ephemeral
     * range (Linux's default is 32768-60999), where {@link #freePort} (port 0) and every client socket
     * take theirs: a scheduler or etcd on a port inside an agent's range would make a replica fail to bind.
     */
    static String portRange(int size) {
        int low = portBlock(size);
        return low + "-" + (low + size - 1);
    }

    /** The first port of a random block of {@code size} ports outside this machine's ephemeral range. */
    static int portBlock(int size) {
        return portBlock(size, ephemeralRange(), java.util.concurrent.ThreadLocalRandom.current());
    }

    /**
     * The pure part of {@link #portBlock(int)}: a block in [20000, ephemeral low) or (ephemeral high, 65535],
     * picked uniformly; below 20000 (down to 1024) only when neither has room.
     */
    static int portBlock(int size, int[] ephemeral, java.util.Random random) {
        for (int floor : new int[]{20000, 1024}) {
            int below = Math.max(0, ephemeral[0] - floor - size + 1);            // starts floor .. ephemeral[0]-size
            int above = Math.max(0, 65535 - Math.max(ephemeral[1], floor - 1) - size + 1);   // starts high+1 .. 65536-size
            if (below + above == 0) continue;
            int r = random.nextInt(below + above);
            return r < below ? floor + r : Math.max(ephemeral[1], floor - 1) + 1 + (r - below);
        }
        throw new IllegalStateException("no block of " + size + " ports outside the ephemeral range "
                + ephemeral[0] + "-" + ephemeral[1]);
    }

    /** {@code net.ipv4.ip_local_port_range}; Linux's default when it cannot be read. */
    static int[] ephemeralRange() {
        try {
            String[] f = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            int low = Integer.parseInt(f[0]);
            int high = Integer.parseInt(f[1]);
            if (low > 0 && low <= high && high <= 65535) return new int[]{low, high};
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: the default
        }
        return new int[]{32768, 60999};
    }

    static String logOf(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(unreadable log: " + e + ")";
        }
    }
}
