package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.AllocatedPort;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Port;
import dev.gantry.api.v1.Task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Places one replica of a job: nodes run through the job's feasibility checks, feasible ones
 * are scored by the job's scorers, and the highest sum wins, ties going to the lower node id.
 * The chosen node's resources and ports are then reserved in the table, so the next replica
 * sees them taken.
 *
 * <p>The scan starts where the previous placement's scan ended and stops after
 * {@link PlacementSettings}' candidate limit of feasible nodes (as Nomad's limit iterator), so a
 * placement costs O(limit), not O(nodes), on a large cluster. When no node is feasible every
 * node has been checked, and the outcome counts each node under the first check it failed.
 * Deterministic: the same table and calls give the same placements; there is no randomness.
 * Thread-safe as long as each table is used by one thread.
 */
public final class PlacementEngine {
    private final PlacementSettings settings;

    public PlacementEngine() {
        this(PlacementSettings.defaults());
    }

    public PlacementEngine(PlacementSettings settings) {
        this.settings = settings;
    }

    public PlacementOutcome place(Job job, String avoidNode, NodeTable table) {
        NodeSlot[] nodes = table.order();
        int n = nodes.length;
        if (n == 0) return new PlacementOutcome(Optional.empty(), List.of(), 0, Map.of(), Map.of());
        PlacementRequest req = table.request(job, settings, j -> PlacementRequest.compile(j, settings, table));
        Scorer[] scorers = withAvoid(req.scorers(), avoidNode);

        double[] scores = new double[scorers.length];
        double[] bestScores = new double[scorers.length];
        NodeSlot best = null;
        double bestTotal = Double.NEGATIVE_INFINITY;
        int feasible = 0;
        int visited = 0;
        int i = table.cursor();
        while (visited < n && feasible < req.candidateLimit()) {
            NodeSlot node = nodes[i];
            visited++;
            if (++i == n) i = 0;
            if (req.reject(node) != null) continue;
            feasible++;
            double total = 0;
            for (int k = 0; k < scorers.length; k++) {
                scores[k] = scorers[k].score(node);
                total += scores[k];
            }
            if (best == null || total > bestTotal || (total == bestTotal && node.index < best.index)) {
                best = node;
                bestTotal = total;
                System.arraycopy(scores, 0, bestScores, 0, scores.length);
            }
        }
        if (best == null) return unplaced(req, nodes);

        table.moveCursor(i);
        List<AllocatedPort> ports = assignPorts(job, req, best);
        table.reserve(best, req.jobKey(), req.cpu(), req.memory(), req.disk(), ports, true);
        Map<String, Double> parts = new LinkedHashMap<>();
        for (int k = 0; k < scorers.length; k++) parts.put(scorers[k].name(), bestScores[k]);
        return new PlacementOutcome(Optional.of(best.id), ports, visited, Map.of(), parts);
    }

    private static Scorer[] withAvoid(Scorer[] scorers, String avoidNode) {
        if (avoidNode == null || avoidNode.isEmpty()) return scorers;
        Scorer[] out = java.util.Arrays.copyOf(scorers, scorers.length + 1);
        out[scorers.length] = new AvoidNodeScorer(avoidNode);
        return out;
    }

    /** Off the hot path: only now are reasons gathered, over every node. */
    private static PlacementOutcome unplaced(PlacementRequest req, NodeSlot[] nodes) {
        Map<String, Integer> failures = new TreeMap<>();
        for (NodeSlot node : nodes) failures.merge(req.reject(node), 1, Integer::sum);
        return new PlacementOutcome(Optional.empty(), List.of(), nodes.length, failures, Map.of());
    }

    /** Static ports as asked; dynamic ones are the lowest free in the node's range, in task and port order. */
    private static List<AllocatedPort> assignPorts(Job job, PlacementRequest req, NodeSlot node) {
        if (req.staticPorts().length == 0 && req.dynamicPorts() == 0) return List.of();
        List<AllocatedPort> ports = new ArrayList<>(req.staticPorts().length + req.dynamicPorts());
        int[] chosen = new int[req.staticPorts().length + req.dynamicPorts()];
        System.arraycopy(req.staticPorts(), 0, chosen, 0, req.staticPorts().length);
        int taken = req.staticPorts().length;
        int next = node.nextDynamic;
        for (Task t : job.getTasksList()) {
            for (Port p : t.getPortsList()) {
                int value = p.getStatic();
                if (value == 0) {
                    while (node.usedPorts.contains(next) || contains(chosen, taken, next)) next++;
                    value = next;
                    chosen[taken++] = value;
                }
                ports.add(AllocatedPort.newBuilder().setTask(t.getName()).setName(p.getName()).setValue(value).build());
            }
        }
        return ports;
    }

    private static boolean contains(int[] values, int length, int value) {
        for (int k = 0; k < length; k++) if (values[k] == value) return true;
        return false;
    }
}
