package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The nodes of one evaluation with their remaining capacity; built from a snapshot, then updated as replicas are placed. */
public final class NodeTable {
    public static final int DEFAULT_PORT_LOW = 20000;
    public static final int DEFAULT_PORT_HIGH = 32000;

    private final Map<String, NodeSlot> slots = new LinkedHashMap<>();

    /** Nodes sorted by id for determinism; allocations that still want to run count as used. */
    public static NodeTable of(Collection<Node> nodes, Collection<Allocation> allocations) {
        NodeTable t = new NodeTable();
        nodes.stream().sorted(java.util.Comparator.comparing(Node::getId)).forEach(n -> {
            int low = n.hasDynamicPorts() && n.getDynamicPorts().getLow() > 0 ? n.getDynamicPorts().getLow() : DEFAULT_PORT_LOW;
            int high = n.hasDynamicPorts() && n.getDynamicPorts().getHigh() > 0 ? n.getDynamicPorts().getHigh() : DEFAULT_PORT_HIGH;
            t.slots.put(n.getId(), new NodeSlot(n.getId(), n.getName(), n.getStatus() == NodeStatus.NODE_READY,
                    n.getEligible(), new java.util.HashSet<>(n.getDriversList()),
                    n.getCapacity().getCpuMillis(), n.getCapacity().getMemoryBytes(), low, high));
        });
        for (Allocation a : allocations) {
            if (!holdsResources(a)) continue;
            t.reserve(a.getNodeId(), a.getNamespace() + "/" + a.getJob(), a.getResources().getCpuMillis(),
                    a.getResources().getMemoryBytes(), a.getPortsList());
        }
        return t;
    }

    /**
     * An allocation holds its node's resources while it should run, and also while it is
     * being stopped until its agent reports it ended: its container still has its ports and memory.
     */
    public static boolean holdsResources(Allocation a) {
        if (a.getDesiredStatus() == DesiredStatus.DESIRED_RUN) return true;
        return switch (a.getClientStatus()) {
            case CLIENT_COMPLETE, CLIENT_FAILED, CLIENT_LOST -> false;
            default -> true;
        };
    }

    /** Counts an allocation against a node; unknown nodes are ignored (their allocations are being replaced). */
    public void reserve(String nodeId, String jobKey, long cpu, long memory, List<AllocatedPort> ports) {
        NodeSlot s = slots.get(nodeId);
        if (s == null) return;
        s.cpuUsed += cpu;
        s.memoryUsed += memory;
        for (AllocatedPort p : ports) s.usedPorts.add(p.getValue());
        s.allocationsPerJob.merge(jobKey, 1, Integer::sum);
    }

    public Collection<NodeSlot> slots() {
        return slots.values();
    }

    public NodeSlot slot(String id) {
        return slots.get(id);
    }
}
