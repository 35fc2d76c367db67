package dev.gantry.agent.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Named network namespaces, through iproute2 ({@code ip netns}): the namespace lives as a bind
 * mount under /run/netns, outliving every process in it, so an agent restart finds it again.
 * /run/netns is shared by everything on the host (other agents, other tools), so each namespace
 * made here is also recorded in this agent's own {@code registryDir}: {@link #owned()} lists only
 * those, and orphan cleanup never touches another agent's namespaces.
 */
public final class NetworkNamespaces {
    /** Where iproute2 keeps named namespaces; fixed by iproute2 itself. */
    public static final Path DIR = Path.of("/var/run/netns");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final String ip;
    private final Path registryDir;

    public NetworkNamespaces(String ipBinary, Path registryDir) {
        this.ip = ipBinary;
        this.registryDir = registryDir;
    }

    public static Path path(String name) {
        return DIR.resolve(name);
    }

    public boolean exists(String name) {
        return Files.exists(path(name));
    }

    /** Creates the namespace with its loopback interface up. Fails when it exists. */
    public void add(String name) throws NetworkException {
        try {
            Files.createDirectories(registryDir);
            Files.writeString(registryDir.resolve(name), "");
        } catch (IOException e) {
            throw new NetworkException("cannot record namespace " + name + " in " + registryDir + ": " + e.getMessage(), e);
        }
        ip("netns", "add", name);
        try {
            ip("-n", name, "link", "set", "lo", "up");
        } catch (NetworkException e) {
            try {
                delete(name);
            } catch (NetworkException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Removes the namespace; one that is gone already is fine. */
    public void delete(String name) throws NetworkException {
        if (exists(name)) ip("netns", "delete", name);
        try {
            Files.deleteIfExists(registryDir.resolve(name));
        } catch (IOException e) {
            throw new NetworkException("cannot forget namespace " + name + " in " + registryDir + ": " + e.getMessage(), e);
        }
    }

    /** The namespaces this agent made and has not deleted (some may be gone already: a host reboot empties /run). */
    public List<String> owned() throws NetworkException {
        if (!Files.isDirectory(registryDir)) return List.of();
        try (Stream<Path> s = Files.list(registryDir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new NetworkException("cannot list " + registryDir + ": " + e.getMessage(), e);
        }
    }

    private void ip(String... args) throws NetworkException {
        List<String> argv = Stream.concat(Stream.of(ip), Stream.of(args)).toList();
        Command.Result r = Command.run(argv, null, new byte[0], TIMEOUT);
        if (r.exitCode() != 0) {
            throw new NetworkException(String.join(" ", argv) + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
    }
}
