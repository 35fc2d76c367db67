package dev.gantry.scheduler.state;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.Node;

import java.util.List;
import java.util.Map;

/**
 * An immutable view of the cluster at one store revision. Jobs, unplaced summaries and
 * deployments (the latest kept one per job) are keyed by {@code namespace/name}, allocations
 * and nodes by id.
 */
public record Snapshot(
        long revision,
        Map<String, Versioned<Job>> jobs,
        Map<String, Versioned<Allocation>> allocations,
        Map<String, Versioned<Node>> nodes,
        Map<String, JobSummary> unplaced,
        Map<String, Versioned<Deployment>> deployments) {

    /** A snapshot without rollout records (tests, dry runs of placement). */
    public Snapshot(long revision, Map<String, Versioned<Job>> jobs, Map<String, Versioned<Allocation>> allocations,
                    Map<String, Versioned<Node>> nodes, Map<String, JobSummary> unplaced) {
        this(revision, jobs, allocations, nodes, unplaced, Map.of());
    }

    public static String jobKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    public List<Allocation> allocationsOf(String namespace, String job) {
        return allocations.values().stream().map(Versioned::value)
                .filter(a -> a.getNamespace().equals(namespace) && a.getJob().equals(job))
                .toList();
    }

    public List<Allocation> allocationsOn(String nodeId) {
        return allocations.values().stream().map(Versioned::value)
                .filter(a -> a.getNodeId().equals(nodeId))
                .toList();
    }
}
