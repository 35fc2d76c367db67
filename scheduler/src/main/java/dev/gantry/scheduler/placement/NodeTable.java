package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The nodes of one evaluation with their remaining capacity, labels and attributes, and the
 * replicas of each job on them; built once from a snapshot, then updated as replicas are
 * placed. Also holds what is derived from it once per evaluation: attribute columns, spread
 * counts per job, and each job's compiled {@link PlacementRequest}. Not thread-safe: one
 * evaluation uses one table on one thread.
 *
 * <p>A table may also be kept across evaluations while the nodes stay the same: before the
 * next evaluation, {@link #refresh} each node whose allocations changed (or that took
 * placements which were not committed), then {@link #startEvaluation}; the table is then
 * exactly what {@link #of} would build from the new allocations.
 */
public final class NodeTable {
    public static final int DEFAULT_PORT_LOW = 20000;
    public static final int DEFAULT_PORT_HIGH = 32000;

    private final Map<String, NodeSlot> slots = new LinkedHashMap<>();
    private final NodeSlot[] order;
    private final Map<String, AttributeColumn> columns = new HashMap<>();
    private final Map<String, Map<String, SpreadCounter>> spreadCounters = new HashMap<>();
    private final Map<Job, PlacementRequest> requests = new IdentityHashMap<>();
    /**
     * The nodes' task drivers, numbered (at most 64), so that the driver check compares bits
     * in the slot instead of following each node's set of strings: on the placement hot path
     * that chain of pointers costs a cache miss per node.
     */
    private final Map<String, Long> driverBits = new HashMap<>();
    private final Map<String, Map<String, String>> jobKeys = new HashMap<>();
    /** Where the next scan starts, so that successive placements look at different nodes first. */
    private int cursor;

    private NodeTable(List<NodeSlot> sorted) {
        order = sorted.toArray(NodeSlot[]::new);
        for (int i = 0; i < order.length; i++) {
            order[i].index = i;
            slots.put(order[i].id, order[i]);
            for (String d : order[i].drivers) {
                if (!driverBits.containsKey(d) && driverBits.size() < Long.SIZE) driverBits.put(d, 1L << driverBits.size());
                order[i].driverBits |= driverBits.getOrDefault(d, 0L);
            }
        }
    }

    /**
     * {@code namespace/name}, one instance per job in this table: the per-node replica counts
     * are looked up by it for every node scanned, and a key that is the same instance
     * compares equal without reading its characters.
     */
    String jobKey(String namespace, String name) {
        return jobKeys.computeIfAbsent(namespace, k -> new HashMap<>()).computeIfAbsent(name, k -> namespace + "/" + name);
    }

    /** The driver's bit in every slot's {@code driverBits}, or 0 when no node has it or it is past the 64th numbered. */
    long driverBit(String driver) {
        return driverBits.getOrDefault(driver, 0L);
    }

    /** Nodes sorted by id for determinism; allocations that still hold resources count as used. */
    public static NodeTable of(Collection<Node> nodes, Collection<Allocation> allocations) {
        List<NodeSlot> sorted = new ArrayList<>(nodes.size());
        nodes.stream().sorted(Comparator.comparing(Node::getId)).forEach(n -> sorted.add(slotOf(n)));
        NodeTable t = new NodeTable(sorted);
        for (Allocation a : allocations) {
            if (!holdsResources(a)) continue;
            NodeSlot s = t.slots.get(a.getNodeId());
            if (s == null) continue;   // unknown node: its allocations are being replaced
            t.reserve(s, t.jobKey(a.getNamespace(), a.getJob()), a.getResources().getCpuMillis(),
                    a.getResources().getMemoryBytes(), a.getResources().getDiskBytes(), a.getPortsList(),
                    a.getDesiredStatus() == DesiredStatus.DESIRED_RUN);
        }
        return t;
    }

    /**
     * Counts the node's usage again from {@code allocations} (those placed on it), as {@link #of}
     * does; for a table kept across evaluations. Unknown nodes are ignored.
     */
    public void refresh(String nodeId, Collection<Allocation> allocations) {
        NodeSlot s = slots.get(nodeId);
        if (s == null) return;
        // Spread counts and compiled jobs are derived from the usage: built again on demand.
        spreadCounters.clear();
        requests.clear();
        s.clearUsage();
        for (Allocation a : allocations) {
            if (!holdsResources(a) || !a.getNodeId().equals(nodeId)) continue;
            reserve(s, jobKey(a.getNamespace(), a.getJob()), a.getResources().getCpuMillis(),
                    a.getResources().getMemoryBytes(), a.getResources().getDiskBytes(), a.getPortsList(),
                    a.getDesiredStatus() == DesiredStatus.DESIRED_RUN);
        }
    }

    /** Forgets what one evaluation derived (spread counts, compiled jobs, scan position): the table then behaves as a new one. */
    public void startEvaluation() {
        spreadCounters.clear();
        requests.clear();
        cursor = 0;
    }

    private static NodeSlot slotOf(Node n) {
        int low = n.hasDynamicPorts() && n.getDynamicPorts().getLow() > 0 ? n.getDynamicPorts().getLow() : DEFAULT_PORT_LOW;
        int high = n.hasDynamicPorts() && n.getDynamicPorts().getHigh() > 0 ? n.getDynamicPorts().getHigh() : DEFAULT_PORT_HIGH;
        NodeSlot s = new NodeSlot(n.getId(), n.getName(), n.getStatus() == NodeStatus.NODE_READY, n.getEligible(),
                new java.util.HashSet<>(n.getDriversList()), n.getLabelsMap(), n.getAttributesMap(),
                n.getCapacity().getCpuMillis(), n.getCapacity().getMemoryBytes(), n.getCapacity().getDiskBytes(), low, high);
        s.draining = n.getDraining();
        return s;
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

    /** Counts a running allocation against a node; unknown nodes are ignored (their allocations are being replaced). */
    public void reserve(String nodeId, String jobKey, long cpu, long memory, List<AllocatedPort> ports) {
        NodeSlot s = slots.get(nodeId);
        if (s != null) reserve(s, jobKey, cpu, memory, 0, ports, true);
    }

    /**
     * Takes resources and ports on the node; {@code asReplica} also counts it as a replica of
     * the job for distinct_hosts, distinct_property, anti-affinity and spread (a stopping allocation holds
     * resources but no longer counts as a replica).
     */
    void reserve(NodeSlot s, String jobKey, long cpu, long memory, long disk, List<AllocatedPort> ports, boolean asReplica) {
        s.cpuUsed += cpu;
        s.memoryUsed += memory;
        s.diskUsed += disk;
        for (AllocatedPort p : ports) s.takePort(p.getValue());
        if (!asReplica) return;
        s.allocationsPerJob.merge(jobKey, 1, Integer::sum);
        Map<String, SpreadCounter> counters = spreadCounters.get(jobKey);
        if (counters != null) counters.values().forEach(c -> c.added(s));
    }

    public Collection<NodeSlot> slots() {
        return slots.values();
    }

    public NodeSlot slot(String id) {
        return slots.get(id);
    }

    public int size() {
        return order.length;
    }

    /** Sorted by node id; a slot's {@code index} is its position here. */
    NodeSlot[] order() {
        return order;
    }

    int cursor() {
        return cursor;
    }

    void moveCursor(int position) {
        cursor = order.length == 0 ? 0 : position % order.length;
    }

    AttributeColumn column(NodeAttribute attribute) {
        return columns.computeIfAbsent(attribute.key(), k -> new AttributeColumn(attribute, order));
    }

    SpreadCounter spreadCounter(String jobKey, NodeAttribute attribute) {
        return spreadCounters.computeIfAbsent(jobKey, k -> new HashMap<>())
                .computeIfAbsent(attribute.key(), k -> new SpreadCounter(jobKey, column(attribute), order));
    }

    /** The job compiled against this table, once per job object and settings. */
    PlacementRequest request(Job job, PlacementSettings settings, Function<Job, PlacementRequest> compile) {
        PlacementRequest r = requests.get(job);
        if (r == null || !r.settings().equals(settings)) {
            r = compile.apply(job);
            requests.put(job, r);
        }
        return r;
    }
}
