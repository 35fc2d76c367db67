package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Task;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Places one replica of a job: every node runs through the feasibility filters (ready,
 * eligible, driver, CPU, memory, static ports, a free dynamic port), the feasible ones are
 * scored (spread the job's replicas first, then bin-pack; a node the replica just failed on
 * is penalised) and the best wins, ties broken by node id. Deterministic for a given table.
 * The chosen node's capacity is reserved in the table.
 */
public final class PlacementEngine {
    static final double SPREAD_WEIGHT = 10.0;
    static final double AVOID_PENALTY = 5.0;

    public PlacementOutcome place(Job job, String avoidNode, NodeTable table) {
        String jobKey = job.getNamespace() + "/" + job.getName();
        long cpu = JobResources.cpu(job);
        long memory = JobResources.memory(job);
        Set<String> drivers = new HashSet<>();
        List<Integer> staticPorts = new ArrayList<>();
        int dynamicPorts = 0;
        for (Task t : job.getTasksList()) {
            if (!t.getDriver().isEmpty()) drivers.add(t.getDriver());
            for (Port p : t.getPortsList()) {
                if (p.getStatic() > 0) staticPorts.add(p.getStatic());
                else dynamicPorts++;
            }
        }

        Map<String, Integer> failures = new TreeMap<>();
        NodeSlot best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        Map<String, Double> bestScores = Map.of();
        int evaluated = 0;
        for (NodeSlot n : table.slots()) {
            evaluated++;
            String reason = infeasible(n, drivers, cpu, memory, staticPorts, dynamicPorts);
            if (reason != null) {
                failures.merge(reason, 1, Integer::sum);
                continue;
            }
            Map<String, Double> scores = new LinkedHashMap<>();
            scores.put("spread", -SPREAD_WEIGHT * n.allocationsPerJob.getOrDefault(jobKey, 0));
            scores.put("binpack", binpack(n, cpu, memory));
            if (n.id.equals(avoidNode)) scores.put("avoid", -AVOID_PENALTY);
            double total = scores.values().stream().mapToDouble(Double::doubleValue).sum();
            if (total > bestScore) {
                best = n;
                bestScore = total;
                bestScores = scores;
            }
        }
        if (best == null) {
            return new PlacementOutcome(Optional.empty(), List.of(), evaluated, failures, Map.of());
        }
        List<AllocatedPort> ports = assignPorts(job, best);
        table.reserve(best.id, jobKey, cpu, memory, ports);
        return new PlacementOutcome(Optional.of(best.id), ports, evaluated, Map.of(), bestScores);
    }

    private static String infeasible(NodeSlot n, Set<String> drivers, long cpu, long memory,
                                     List<Integer> staticPorts, int dynamicPorts) {
        if (!n.ready) return "node not ready";
        if (!n.eligible) return "node cordoned";
        for (String d : drivers) {
            if (!n.drivers.contains(d)) return "missing driver " + d;
        }
        if (n.drivers.isEmpty()) return "no task driver available";
        if (n.cpuFree() < cpu) return "insufficient cpu";
        if (n.memoryFree() < memory) return "insufficient memory";
        for (int p : staticPorts) {
            if (n.usedPorts.contains(p)) return "port " + p + " in use";
        }
        long freeDynamic = (long) (n.portHigh - n.portLow + 1)
                - n.usedPorts.stream().filter(p -> p >= n.portLow && p <= n.portHigh).count();
        if (freeDynamic < dynamicPorts) return "dynamic ports exhausted";
        return null;
    }

    /** 0..1, higher when the node would be fuller afterwards (packs work onto fewer nodes). */
    private static double binpack(NodeSlot n, long cpu, long memory) {
        double c = n.cpuCapacity > 0 ? (double) (n.cpuUsed + cpu) / n.cpuCapacity : 1;
        double m = n.memoryCapacity > 0 ? (double) (n.memoryUsed + memory) / n.memoryCapacity : 1;
        return (c + m) / 2;
    }

    /** Static ports as asked; dynamic ones are the lowest free in the node's range. */
    private static List<AllocatedPort> assignPorts(Job job, NodeSlot n) {
        List<AllocatedPort> ports = new ArrayList<>();
        Set<Integer> taken = new HashSet<>(n.usedPorts);
        int next = n.portLow;
        for (Task t : job.getTasksList()) {
            for (Port p : t.getPortsList()) {
                int value = p.getStatic();
                if (value == 0) {
                    while (taken.contains(next)) next++;
                    value = next;
                }
                taken.add(value);
                ports.add(AllocatedPort.newBuilder().setTask(t.getName()).setName(p.getName()).setValue(value).build());
            }
        }
        return ports;
    }
}
