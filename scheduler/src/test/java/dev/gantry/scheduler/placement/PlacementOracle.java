package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Constraint;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Task;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A second, deliberately naive statement of the hard placement rules, written from the
 * proto messages without the engine's code: the property tests hold the engine to it.
 * Versions are limited to what the generators produce (plain dotted numbers, terms with
 * {@code >=} and {@code <}).
 */
final class PlacementOracle {
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, long[]> used = new HashMap<>();            // cpu, memory
    private final Map<String, Set<Integer>> ports = new HashMap<>();
    private final Map<String, Map<String, Integer>> replicas = new HashMap<>();

    PlacementOracle(List<Node> nodes) {
        for (Node n : nodes) {
            this.nodes.put(n.getId(), n);
            used.put(n.getId(), new long[2]);
            ports.put(n.getId(), new HashSet<>());
            replicas.put(n.getId(), new HashMap<>());
        }
    }

    void add(String nodeId, String jobKey, long cpu, long memory, List<AllocatedPort> taken) {
        used.get(nodeId)[0] += cpu;
        used.get(nodeId)[1] += memory;
        for (AllocatedPort p : taken) {
            if (!ports.get(nodeId).add(p.getValue())) throw new AssertionError("port " + p.getValue() + " twice on " + nodeId);
        }
        replicas.get(nodeId).merge(jobKey, 1, Integer::sum);
    }

    /** Null when a replica of the job may go on the node now; else what it breaks. */
    String violation(Job job, String nodeId) {
        Node n = nodes.get(nodeId);
        if (n.getStatus() != NodeStatus.NODE_READY || !n.getEligible() || n.getDraining()) return "not ready or not eligible";
        for (Task t : job.getTasksList()) {
            if (!t.getDriver().isEmpty() && !n.getDriversList().contains(t.getDriver())) return "driver";
        }
        String jobKey = job.getNamespace() + "/" + job.getName();
        for (Constraint c : job.getConstraintsList()) {
            if (c.getDistinctHosts()) {
                if (replicas.get(nodeId).containsKey(jobKey)) return "distinct_hosts";
            } else if (c.getOperator().equals("distinct_property")) {
                if (replicasSharing(n, c.getAttribute(), jobKey) >= (c.getValue().isEmpty() ? 1 : Integer.parseInt(c.getValue()))) {
                    return "distinct_property " + c.getAttribute();
                }
            } else if (!meets(n, c)) {
                return "constraint " + c.getAttribute() + " " + c.getOperator();
            }
        }
        if (used.get(nodeId)[0] + JobResources.cpu(job) > n.getCapacity().getCpuMillis()) return "cpu overcommitted";
        if (used.get(nodeId)[1] + JobResources.memory(job) > n.getCapacity().getMemoryBytes()) return "memory overcommitted";
        int low = n.getDynamicPorts().getLow();
        int high = n.getDynamicPorts().getHigh();
        Set<Integer> taken = new HashSet<>(ports.get(nodeId));
        int dynamic = 0;
        for (Task t : job.getTasksList()) {
            for (Port p : t.getPortsList()) {
                if (p.getStatic() == 0) dynamic++;
                else if (!taken.add(p.getStatic())) return "static port " + p.getStatic() + " taken";
            }
        }
        long free = 0;
        for (int p = low; p <= high; p++) if (!taken.contains(p)) free++;
        return free < dynamic ? "dynamic ports" : null;
    }

    /** Replicas of the job on nodes with the same value of the attribute as {@code n}; "infinitely many" when n lacks it. */
    private int replicasSharing(Node n, String attribute, String jobKey) {
        String value = valueOf(n, attribute);
        if (value == null) return Integer.MAX_VALUE;
        int count = 0;
        for (Node other : nodes.values()) {
            if (value.equals(valueOf(other, attribute))) count += replicas.get(other.getId()).getOrDefault(jobKey, 0);
        }
        return count;
    }

    boolean anyFeasible(Job job) {
        return nodes.keySet().stream().anyMatch(id -> violation(job, id) == null);
    }

    static boolean meets(Node n, Constraint c) {
        String v = valueOf(n, c.getAttribute());
        return switch (c.getOperator()) {
            case "=" -> c.getValue().equals(v);
            case "!=" -> !c.getValue().equals(v);
            case "in" -> v != null && c.getValuesList().contains(v);
            case "not_in" -> v == null || !c.getValuesList().contains(v);
            case "regexp" -> v != null && Pattern.compile(c.getValue()).matcher(v).find();
            case "is_set" -> v != null;
            case "is_not_set" -> v == null;
            case "version" -> v != null && versionMeets(v, c.getValue());
            default -> false;
        };
    }

    private static String valueOf(Node n, String attribute) {
        if (attribute.equals("node.name")) return n.getName();
        if (attribute.equals("node.id")) return n.getId();
        if (attribute.startsWith("node.labels.")) return n.getLabelsMap().get(attribute.substring(12));
        String key = attribute.startsWith("node.") ? attribute.substring(5) : attribute;
        return n.getAttributesMap().get(key);
    }

    private static boolean versionMeets(String version, String range) {
        for (String term : range.split(",")) {
            String t = term.trim();
            int c = compare(version, t.replaceFirst("^(>=|<)\\s*", ""));
            if (t.startsWith(">=") && c < 0) return false;
            if (t.startsWith("<") && c >= 0) return false;
        }
        return true;
    }

    private static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? Integer.parseInt(x[i]) : 0;
            int q = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (p != q) return Integer.compare(p, q);
        }
        return 0;
    }
}
