package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Endpoint;
import dev.gantry.api.v1.EndpointsResponse;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.scheduler.rollout.ReplicaHealth;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.util.Comparator;

/**
 * The service catalog of one job at one snapshot: the replicas that traffic may go to. A
 * replica qualifies when it should run, its agent says it runs, and every one of its tasks
 * passes its readiness checks; a replica on a node marked down does not, whatever it last
 * reported. Pure.
 */
final class EndpointCatalog {
    private EndpointCatalog() {
    }

    static EndpointsResponse of(Snapshot s, String namespace, String job) {
        EndpointsResponse.Builder out = EndpointsResponse.newBuilder();
        s.allocationsOf(namespace, job).stream()
                .filter(EndpointCatalog::ready)
                .sorted(Comparator.comparingInt(Allocation::getIndex).thenComparing(Allocation::getId))
                .forEach(a -> {
                    Versioned<Node> node = s.nodes().get(a.getNodeId());
                    if (node == null || node.value().getStatus() == NodeStatus.NODE_DOWN) return;
                    out.addEndpoints(Endpoint.newBuilder().setAllocationId(a.getId()).setIndex(a.getIndex())
                            .setNodeId(a.getNodeId()).setAddress(host(node.value().getAddress()))
                            .addAllPorts(a.getPortsList()));
                });
        return out.build();
    }

    static boolean ready(Allocation a) {
        return ReplicaHealth.ready(a);
    }

    /** The host of the agent's "host:port" address (tasks use the host network, so they listen there too). */
    static String host(String address) {
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            return end > 0 ? address.substring(1, end) : address;
        }
        int colon = address.lastIndexOf(':');
        // More than one colon without brackets: a bare IPv6 address, no port.
        return colon < 0 || address.indexOf(':') != colon ? address : address.substring(0, colon);
    }
}
