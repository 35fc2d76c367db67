package dev.gantry.agent.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gantry.api.v1.Network;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Bridge mode: a named namespace per allocation, wired by a CNI plugin chain. The ADD result is
 * cached on disk under the namespace's name (as libcni caches it), written before ADD runs and
 * completed after: CHECK and DEL need it as {@code prevResult}, a restarted agent reads the
 * allocation's address from it, and a cache entry without a namespace (or the reverse) marks a
 * set-up or tear-down that a crash interrupted. Calls for one allocation are serialized.
 */
public final class BridgeNetwork implements AllocationNetwork {
    private static final Logger log = LoggerFactory.getLogger(BridgeNetwork.class);

    private final NetworkNamespaces namespaces;
    private final CniNetwork cni;
    private final Path cacheDir;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    public BridgeNetwork(NetworkNamespaces namespaces, CniNetwork cni, Path cacheDir) {
        this.namespaces = namespaces;
        this.cni = cni;
        this.cacheDir = cacheDir;
    }

    @Override
    public NetworkAttachment setUp(NetworkRequest request) throws NetworkException {
        String name = request.namespaceName();
        synchronized (lock(name)) {
            Path netns = NetworkNamespaces.path(name);
            Optional<Cached> cached = readCache(name);
            if (namespaces.exists(name) && cached.isPresent() && cached.get().result() != null) {
                // Re-adopted after an agent restart: same namespace, same address.
                try {
                    cni.check(name, netns.toString(), cached.get().result(), cached.get().ports());
                } catch (NetworkException e) {
                    log.warn("network of allocation {} fails its CNI CHECK; keeping it for the tasks running in it: {}",
                            request.allocationId(), e.getMessage());
                }
                return attachment(netns, cached.get().result());
            }
            if (namespaces.exists(name) || cached.isPresent()) tearDown(name); // a set-up a crash interrupted
            long t0 = System.nanoTime();
            writeCache(name, request.ports(), null);
            try {
                namespaces.add(name);
                long t1 = System.nanoTime();
                JsonNode result = cni.add(name, netns.toString(), request.ports());
                if (CniNetwork.address(result).isEmpty()) {
                    throw new NetworkException("the CNI network " + cni.config().name() + " gave no IPv4 address");
                }
                writeCache(name, request.ports(), result);
                log.info("allocation {}: network {} at {} in {} ms (netns {} ms, CNI ADD {} ms)", request.allocationId(), name,
                        CniNetwork.address(result), (System.nanoTime() - t0) / 1_000_000, (t1 - t0) / 1_000_000,
                        (System.nanoTime() - t1) / 1_000_000);
                return attachment(netns, result);
            } catch (NetworkException e) {
                try {
                    tearDown(name);
                } catch (NetworkException cleanup) {
                    e.addSuppressed(cleanup);
                    log.warn("cleaning up the failed network set-up of allocation {}: {}", request.allocationId(), cleanup.getMessage());
                }
                throw new NetworkException("bridge network: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void tearDown(NetworkRequest request) throws NetworkException {
        tearDown(request.namespaceName());
    }

    /**
     * CNI DEL (with the cached result), then the namespace, then the cache entry. A DEL that fails
     * keeps the cache entry, so the next orphan cleanup repeats it; the namespace goes anyway (its
     * end also ends the veth inside it).
     */
    public void tearDown(String name) throws NetworkException {
        synchronized (lock(name)) {
            Optional<Cached> cached = readCache(name);
            NetworkException failure = null;
            if (cached.isPresent()) {
                String netns = namespaces.exists(name) ? NetworkNamespaces.path(name).toString() : "";
                try {
                    cni.del(name, netns, cached.get().result(), cached.get().ports());
                } catch (NetworkException e) {
                    failure = e;
                }
            }
            try {
                namespaces.delete(name);
            } catch (NetworkException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
            // An ADD that never finished has nothing a retry could find: its entry goes too.
            if (failure == null || cached.map(c -> c.result() == null).orElse(true)) deleteCache(name);
            if (failure != null) throw failure;
        }
    }

    /** Names of the namespaces and cache entries this network holds (some perhaps half set up or torn down). */
    public List<String> names() throws NetworkException {
        TreeSet<String> names = new TreeSet<>(namespaces.owned());
        if (Files.isDirectory(cacheDir)) {
            try (Stream<Path> s = Files.list(cacheDir)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
                        .map(n -> n.substring(0, n.length() - 5)).forEach(names::add);
            } catch (IOException e) {
                throw new NetworkException("cannot list " + cacheDir + ": " + e.getMessage(), e);
            }
        }
        return new ArrayList<>(names);
    }

    private Object lock(String name) {
        return locks.computeIfAbsent(name, n -> new Object());
    }

    private static NetworkAttachment attachment(Path netns, JsonNode result) {
        return new NetworkAttachment(Network.Mode.BRIDGE, netns, CniNetwork.address(result));
    }

    private record Cached(List<PortMapping> ports, JsonNode result) {
    }

    private Optional<Cached> readCache(String name) throws NetworkException {
        Path f = cacheDir.resolve(name + ".json");
        if (!Files.exists(f)) return Optional.empty();
        try {
            JsonNode n = CniConfig.JSON.readTree(f.toFile());
            List<PortMapping> ports = new ArrayList<>();
            n.path("ports").forEach(p -> ports.add(new PortMapping(p.path("hostPort").asInt(), p.path("containerPort").asInt())));
            JsonNode result = n.path("result");
            return Optional.of(new Cached(ports, result.isObject() ? result : null));
        } catch (IOException | IllegalArgumentException e) {
            // A torn write: treat it as an ADD that never finished (DEL without a result).
            log.warn("unreadable CNI cache entry {}: {}", f, e.getMessage());
            return Optional.of(new Cached(List.of(), null));
        }
    }

    private void writeCache(String name, List<PortMapping> ports, JsonNode result) throws NetworkException {
        ObjectNode n = CniConfig.JSON.createObjectNode();
        var array = n.putArray("ports");
        ports.forEach(p -> array.addObject().put("hostPort", p.hostPort()).put("containerPort", p.containerPort()));
        if (result != null) n.set("result", result);
        Path f = cacheDir.resolve(name + ".json");
        Path tmp = cacheDir.resolve(name + ".json.tmp");
        try {
            Files.createDirectories(cacheDir);
            CniConfig.JSON.writeValue(tmp.toFile(), n);
            try {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new NetworkException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    private void deleteCache(String name) throws NetworkException {
        try {
            Files.deleteIfExists(cacheDir.resolve(name + ".json"));
        } catch (IOException e) {
            throw new NetworkException("cannot remove the CNI cache entry of " + name + ": " + e.getMessage(), e);
        }
    }
}
