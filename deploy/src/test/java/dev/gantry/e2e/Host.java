package dev.gantry.e2e;

import dev.gantry.agent.driver.runc.RuncDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What the end-to-end tests check on the host itself: runc's containers, mounts, cgroups, HTTP. */
final class Host {
    private Host() {
    }

    /**
     * How {@code runc list} fails when a container is deleted while it reads them: it fails whole,
     * and asking again is the answer. Shared with {@link AgentHost} (the same race inside a host).
     */
    static final List<String> RUNC_LIST_RACES = List.of("container does not exist", "no such file or directory");

    /**
     * The runc the agent uses (Debian's is /usr/sbin/runc, which a PATH without the sbin directories,
     * as after a plain {@code su}, does not find), so the tests ask the same binary the agent runs.
     */
    private static final Path RUNC = RuncDriver.locate("runc", RuncDriver.DEFAULT_RUNC);

    /** Container ids that runc knows under the agent's data directory; a {@link #RUNC_LIST_RACES} failure is asked again (up to 5 times). */
    static List<String> containers(Path agentDataDir) {
        Path root = agentDataDir.resolve("runc").resolve("runc");
        if (!Files.isDirectory(root)) return List.of();
        try {
            for (int attempt = 1; ; attempt++) {
                Process p = new ProcessBuilder(RUNC.toString(), "--root", root.toString(), "list", "-q").start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.SECONDS)) throw new IOException("runc list did not answer within 30 s");
                if (p.exitValue() == 0) return out.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
                if (attempt == 5 || RUNC_LIST_RACES.stream().noneMatch(err::contains)) {
                    throw new IOException("runc list failed (exit " + p.exitValue() + "): " + err);
                }
                Thread.sleep(200);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Mount points at or below {@code dir}. */
    static List<String> mountsUnder(Path dir) {
        try {
            String prefix = dir.toRealPath().toString();
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4]).filter(m -> m.startsWith(prefix)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** cgroup directories Gantry made for containers whose id starts with {@code allocId}, in any v1 controller. */
    static List<Path> cgroupsOf(String allocId) {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path c : (Iterable<Path>) controllers::iterator) {
                Path gantry = c.resolve("gantry");
                if (!Files.isDirectory(gantry)) continue;
                try (Stream<Path> ids = Files.list(gantry)) {
                    ids.filter(p -> p.getFileName().toString().startsWith(allocId)).forEach(found::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    static String httpGet(int port) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
        c.setConnectTimeout(3000);
        c.setReadTimeout(3000);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }
}
