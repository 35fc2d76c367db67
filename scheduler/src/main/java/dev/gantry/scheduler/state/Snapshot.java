package dev.gantry.scheduler.state;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.Node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable view of the cluster at one store revision. Jobs, unplaced summaries and
 * deployments (the latest kept one per job) are keyed by {@code namespace/name}, allocations
 * and nodes by id. Allocations are also indexed by job and by node.
 *
 * <p>Snapshots taken from one {@link ClusterState} share structure: taking one costs O(1),
 * and a part that did not change between two snapshots (a job's allocations, a node's
 * allocations, an entry of any map) is the same object in both, so that a reader can find
 * what changed by comparing references ({@link #allocationsOfJob}, {@link #allocationsOnNode}).
 */
public final class Snapshot {
    private final long revision;
    private final Map<String, Versioned<Job>> jobs;
    private final Map<String, Versioned<Allocation>> allocations;
    private final Map<String, Versioned<Node>> nodes;
    private final Map<String, JobSummary> unplaced;
    private final Map<String, Versioned<Deployment>> deployments;
    private final Map<String, ? extends Map<String, Versioned<Allocation>>> byJob;
    private final Map<String, ? extends Map<String, Versioned<Allocation>>> byNode;

    public Snapshot(long revision, Map<String, Versioned<Job>> jobs, Map<String, Versioned<Allocation>> allocations,
                    Map<String, Versioned<Node>> nodes, Map<String, JobSummary> unplaced,
                    Map<String, Versioned<Deployment>> deployments) {
        this(revision, jobs, allocations, nodes, unplaced, deployments, index(allocations, true), index(allocations, false));
    }

    /** A snapshot without rollout records (tests, dry runs of placement). */
    public Snapshot(long revision, Map<String, Versioned<Job>> jobs, Map<String, Versioned<Allocation>> allocations,
                    Map<String, Versioned<Node>> nodes, Map<String, JobSummary> unplaced) {
        this(revision, jobs, allocations, nodes, unplaced, Map.of());
    }

    /** With indexes kept by the caller (the state cache); they must agree with {@code allocations}. */
    Snapshot(long revision, Map<String, Versioned<Job>> jobs, Map<String, Versioned<Allocation>> allocations,
             Map<String, Versioned<Node>> nodes, Map<String, JobSummary> unplaced,
             Map<String, Versioned<Deployment>> deployments,
             Map<String, ? extends Map<String, Versioned<Allocation>>> byJob,
             Map<String, ? extends Map<String, Versioned<Allocation>>> byNode) {
        this.revision = revision;
        this.jobs = jobs;
        this.allocations = allocations;
        this.nodes = nodes;
        this.unplaced = unplaced;
        this.deployments = deployments;
        this.byJob = byJob;
        this.byNode = byNode;
    }

    private static Map<String, Map<String, Versioned<Allocation>>> index(Map<String, Versioned<Allocation>> allocations,
                                                                         boolean byJob) {
        Map<String, Map<String, Versioned<Allocation>>> index = new HashMap<>();
        allocations.forEach((id, v) -> index.computeIfAbsent(byJob ? jobKey(v.value()) : v.value().getNodeId(),
                k -> new HashMap<>()).put(id, v));
        return index;
    }

    public long revision() {
        return revision;
    }

    public Map<String, Versioned<Job>> jobs() {
        return jobs;
    }

    public Map<String, Versioned<Allocation>> allocations() {
        return allocations;
    }

    public Map<String, Versioned<Node>> nodes() {
        return nodes;
    }

    public Map<String, JobSummary> unplaced() {
        return unplaced;
    }

    public Map<String, Versioned<Deployment>> deployments() {
        return deployments;
    }

    public static String jobKey(String namespace, String name) {
        return namespace + "/" + name;
    }

    static String jobKey(Allocation a) {
        return jobKey(a.getNamespace(), a.getJob());
    }

    /** The job's allocations; O(allocations of the job). */
    public List<Allocation> allocationsOf(String namespace, String job) {
        return values(allocationsOfJob(jobKey(namespace, job)));
    }

    /** The allocations placed on the node; O(allocations on the node). */
    public List<Allocation> allocationsOn(String nodeId) {
        return values(allocationsOnNode(nodeId));
    }

    /**
     * The allocations of job {@code namespace/name} by id (empty if none). Between snapshots of
     * one cache, the same object as long as none of them changed.
     */
    public Map<String, Versioned<Allocation>> allocationsOfJob(String jobKey) {
        Map<String, Versioned<Allocation>> m = byJob.get(jobKey);
        return m == null ? Map.of() : m;
    }

    /** The allocations on a node by id (empty if none); shared between snapshots like {@link #allocationsOfJob}. */
    public Map<String, Versioned<Allocation>> allocationsOnNode(String nodeId) {
        Map<String, Versioned<Allocation>> m = byNode.get(nodeId);
        return m == null ? Map.of() : m;
    }

    /** Keys ({@code namespace/name}) of the jobs that have allocations, whether or not the job still exists. */
    public Set<String> jobsWithAllocations() {
        return byJob.keySet();
    }

    /**
     * Ids of the nodes whose allocations differ between {@code earlier} and this snapshot
     * (an allocation added, removed or rewritten). Exact and O(changes) for snapshots of one
     * cache; for others it compares every entry and may report more than changed.
     */
    public Set<String> nodesWithChangedAllocations(Snapshot earlier) {
        Set<String> out = new HashSet<>();
        PersistentMap.diff(earlier.byNode, byNode, out::add);
        return out;
    }

    /**
     * Calls {@code changed} for every key whose value differs (by identity) between two versions
     * of a map taken from snapshots of one cache, such as {@link #jobs()} or
     * {@link #allocationsOnNode}: O(changes) when one version derives from the other.
     */
    public static <K> void diff(Map<K, ?> before, Map<K, ?> after, java.util.function.Consumer<? super K> changed) {
        PersistentMap.diff(before, after, changed);
    }

    /** Ids of the nodes whose record differs between {@code earlier} and this snapshot; as above. */
    public Set<String> changedNodes(Snapshot earlier) {
        Set<String> out = new HashSet<>();
        PersistentMap.diff(earlier.nodes, nodes, out::add);
        return out;
    }

    /** Ids of the allocations added, removed or rewritten between {@code earlier} and this snapshot; as above. */
    public Set<String> changedAllocations(Snapshot earlier) {
        Set<String> out = new HashSet<>();
        PersistentMap.diff(earlier.allocations, allocations, out::add);
        return out;
    }

    /** Keys of the jobs whose record differs between {@code earlier} and this snapshot (not their allocations); as above. */
    public Set<String> changedJobRecords(Snapshot earlier) {
        Set<String> out = new HashSet<>();
        PersistentMap.diff(earlier.jobs, jobs, out::add);
        return out;
    }

    /**
     * Keys of the jobs for which anything an evaluation reads differs between {@code earlier}
     * and this snapshot: the job, its allocations, its deployment or its unplaced record; as above.
     */
    public Set<String> changedJobs(Snapshot earlier) {
        Set<String> out = new HashSet<>();
        PersistentMap.diff(earlier.jobs, jobs, out::add);
        PersistentMap.diff(earlier.byJob, byJob, out::add);
        PersistentMap.diff(earlier.deployments, deployments, out::add);
        PersistentMap.diff(earlier.unplaced, unplaced, out::add);
        return out;
    }

    private static List<Allocation> values(Map<String, Versioned<Allocation>> m) {
        List<Allocation> out = new ArrayList<>(m.size());
        for (Versioned<Allocation> v : m.values()) out.add(v.value());
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot s && revision == s.revision && jobs.equals(s.jobs) && allocations.equals(s.allocations)
                && nodes.equals(s.nodes) && unplaced.equals(s.unplaced) && deployments.equals(s.deployments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(revision, jobs, allocations, nodes, unplaced, deployments);
    }

    @Override
    public String toString() {
        return "Snapshot[revision=" + revision + ", " + jobs.size() + " jobs, " + allocations.size() + " allocations, "
                + nodes.size() + " nodes, " + unplaced.size() + " unplaced, " + deployments.size() + " deployments]";
    }
}
