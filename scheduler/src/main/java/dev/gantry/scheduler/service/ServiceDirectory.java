package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Endpoint;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import dev.gantry.api.v1.ServiceEndpoint;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The cluster-wide catalog of ready replicas that agents' DNS servers answer from, kept as the
 * last state sent so that each new snapshot yields only what changed: O(changed allocations and
 * the allocations of changed nodes), not O(cluster). Ready means what {@link EndpointCatalog}
 * says (ready replica on a node not marked down). Not thread-safe: the agent pusher's thread only.
 */
final class ServiceDirectory {
    /** Agents that announce this get {@link ServiceCatalogUpdate}s. */
    static final String FEATURE = "service-catalog";

    private final Map<String, ServiceEndpoint> current = new HashMap<>();
    private Snapshot last;

    /** Brings the catalog to {@code snapshot}; the changes since the previous call (the whole catalog the first time). */
    ServiceCatalogUpdate advance(Snapshot snapshot) {
        Set<String> candidates;
        if (last == null) {
            candidates = new HashSet<>(snapshot.allocations().keySet());
            candidates.addAll(current.keySet());
        } else {
            candidates = snapshot.changedAllocations(last);
            for (String node : snapshot.changedNodes(last)) {
                candidates.addAll(snapshot.allocationsOnNode(node).keySet());
                candidates.addAll(last.allocationsOnNode(node).keySet());
            }
        }
        last = snapshot;
        ServiceCatalogUpdate.Builder changes = ServiceCatalogUpdate.newBuilder();
        for (String id : candidates) {
            Versioned<Allocation> a = snapshot.allocations().get(id);
            ServiceEndpoint now = a == null ? null : endpoint(snapshot, a.value());
            ServiceEndpoint before = now == null ? current.remove(id) : current.put(id, now);
            if (now == null && before != null) changes.addRemoved(id);
            if (now != null && !now.equals(before)) changes.addUpserted(now);
        }
        return changes.build();
    }

    /** Everything, for a stream that just opened; current as of the last {@link #advance}. */
    ServiceCatalogUpdate whole() {
        return ServiceCatalogUpdate.newBuilder().setFull(true).addAllUpserted(current.values()).build();
    }

    /** Forgets the catalog (no agent wants it); the next {@link #advance} starts over. */
    void reset() {
        current.clear();
        last = null;
    }

    private static ServiceEndpoint endpoint(Snapshot s, Allocation a) {
        if (!EndpointCatalog.ready(a)) return null;
        Versioned<Node> node = s.nodes().get(a.getNodeId());
        if (node == null || node.value().getStatus() == NodeStatus.NODE_DOWN) return null;
        // A replica with an address of its own (bridge mode) is reached there, on the ports it listens on
        // inside; one in host mode at its node's address, on its host ports.
        boolean own = !a.getAddress().isEmpty();
        return ServiceEndpoint.newBuilder().setNamespace(a.getNamespace()).setJob(a.getJob())
                .setEndpoint(Endpoint.newBuilder().setAllocationId(a.getId()).setIndex(a.getIndex()).setNodeId(a.getNodeId())
                        .setAddress(own ? a.getAddress() : EndpointCatalog.host(node.value().getAddress()))
                        .addAllPorts(own ? insidePorts(s, a) : a.getPortsList()))
                .build();
    }

    /**
     * The allocation's ports as its tasks listen on them in its namespace: {@code to} where the job
     * sets one, else the host port (which then equals it). Read from the job as it is now: a change of
     * {@code to} changes the template, so such allocations are replaced, not kept.
     */
    private static java.util.List<dev.gantry.api.v1.AllocatedPort> insidePorts(Snapshot s, Allocation a) {
        Versioned<dev.gantry.api.v1.Job> job = s.jobs().get(Snapshot.jobKey(a.getNamespace(), a.getJob()));
        java.util.List<dev.gantry.api.v1.AllocatedPort> out = new java.util.ArrayList<>();
        for (dev.gantry.api.v1.AllocatedPort p : a.getPortsList()) {
            int inside = job == null ? 0 : job.value().getTasksList().stream().filter(t -> t.getName().equals(p.getTask()))
                    .flatMap(t -> t.getPortsList().stream()).filter(q -> q.getName().equals(p.getName()))
                    .mapToInt(dev.gantry.api.v1.Port::getTo).findFirst().orElse(0);
            out.add(inside > 0 ? p.toBuilder().setValue(inside).build() : p);
        }
        return out;
    }
}
