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
 */
public final class NetworkNamespaces {
    /** Where iproute2 keeps named namespaces; fixed by iproute2 itself. */
    public static final Path DIR = Path.of("/var/run/netns");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final String ip;

    public NetworkNamespaces(String ipBinary) {
        this.ip = ipBinary;
    }

    public static Path path(String name) {
        return DIR.resolve(name);
    }

    public boolean exists(String name) {
        return Files.exists(path(name));
    }

    /** Creates the namespace with its loopback interface up. Fails when it exists. */
    public void add(String name) throws NetworkException {
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
        if (!exists(name)) return;
        ip("netns", "delete", name);
    }

    /** The names of the namespaces that start with {@code prefix}. */
    public List<String> list(String prefix) throws NetworkException {
        if (!Files.isDirectory(DIR)) return List.of();
        try (Stream<Path> s = Files.list(DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        } catch (IOException e) {
            throw new NetworkException("cannot list " + DIR + ": " + e.getMessage(), e);
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
