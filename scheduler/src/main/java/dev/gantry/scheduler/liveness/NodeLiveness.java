package dev.gantry.scheduler.liveness;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Decides which READY nodes missed their heartbeat TTL. A pure function of its inputs.
 *
 * <p>A node's last sign of life is the latest of: its last heartbeat seen by this replica,
 * the registration time stored on the node, and {@code watchingSince}, the moment this
 * replica started watching (see {@link WatchWindow}). The last one is the grace that keeps
 * a restarted or newly elected scheduler, whose heartbeat map is empty, from evicting
 * healthy nodes: every node gets one full TTL to be heard from. A node is expired when
 * more than {@code ttl} has passed since its last sign of life.
 */
public final class NodeLiveness {

    /** A node to mark down, with the last sign of life it was judged by (for the log). */
    public record Expired(Node node, Instant lastSign) {
    }

    private NodeLiveness() {
    }

    public static List<Expired> expired(Collection<Node> nodes, Map<String, Instant> lastSeen, Instant watchingSince,
                                        Duration ttl, Instant now) {
        List<Expired> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.getStatus() != NodeStatus.NODE_READY) continue;
            Instant last = watchingSince;
            Instant seen = lastSeen.get(n.getId());
            if (seen != null && seen.isAfter(last)) last = seen;
            if (n.hasLastHeartbeat()) {
                Instant registered = Instant.ofEpochMilli(Timestamps.toMillis(n.getLastHeartbeat()));
                if (registered.isAfter(last)) last = registered;
            }
            if (now.isAfter(last.plus(ttl))) out.add(new Expired(n, last));
        }
        out.sort(Comparator.comparing(e -> e.node().getId()));
        return List.copyOf(out);
    }
}
