package dev.gantry.agent.network;

import dev.gantry.api.v1.Network;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory network for unit tests: hands out 10.244.0.N per namespace (the same again while
 * it lives, as a re-adoption), records every call, and fails set-ups while {@link #failWith} is set.
 */
public final class FakeNetwork implements AllocationNetwork, NetworkOrphans {
    public final List<String> calls = new CopyOnWriteArrayList<>();
    public final Map<String, NetworkAttachment> live = new ConcurrentHashMap<>();
    public final List<NetworkRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger(2);
    public volatile String failWith;

    @Override
    public NetworkAttachment setUp(NetworkRequest request) throws NetworkException {
        calls.add("setUp " + request.namespaceName());
        requests.add(request);
        if (failWith != null) throw new NetworkException(failWith);
        if (request.mode() == Network.Mode.HOST) return NetworkAttachment.HOST;
        return live.computeIfAbsent(request.namespaceName(), n -> new NetworkAttachment(request.mode(),
                Path.of("/var/run/netns", n), request.mode() == Network.Mode.BRIDGE ? "10.244.0." + next.getAndIncrement() : ""));
    }

    @Override
    public void tearDown(NetworkRequest request) {
        calls.add("tearDown " + request.namespaceName());
        live.remove(request.namespaceName());
    }

    /** Makes a network as an earlier agent process would have left it. */
    public void leave(String allocationId, Network.Mode mode) throws NetworkException {
        String failing = failWith;
        failWith = null;
        setUp(new NetworkRequest(allocationId, mode, List.of()));
        failWith = failing;
    }

    @Override
    public List<String> removeOrphans(Set<String> allocationIds) {
        Set<String> owned = ConcurrentHashMap.newKeySet();
        allocationIds.forEach(id -> owned.add(NetworkRequest.namespaceName(id)));
        List<String> removed = live.keySet().stream().filter(n -> !owned.contains(n)).sorted().toList();
        removed.forEach(live::remove);
        return removed;
    }
}
