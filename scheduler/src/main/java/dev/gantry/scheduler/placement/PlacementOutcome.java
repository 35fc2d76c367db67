package dev.gantry.scheduler.placement;

import dev.gantry.api.v1.AllocatedPort;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The result of placing one replica: the chosen node and its ports, or, when no node fits,
 * how many nodes were evaluated and how many failed for each reason.
 */
public record PlacementOutcome(Optional<String> nodeId, List<AllocatedPort> ports, int nodesEvaluated,
                               Map<String, Integer> failures, Map<String, Double> scores) {

    public boolean placed() {
        return nodeId.isPresent();
    }

    /** "3 nodes evaluated: 2 insufficient memory, 1 node not ready". */
    public String explain() {
        if (nodesEvaluated == 0) return "no nodes registered";
        String reasons = failures.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
        return nodesEvaluated + (nodesEvaluated == 1 ? " node" : " nodes") + " evaluated: " + reasons;
    }
}
