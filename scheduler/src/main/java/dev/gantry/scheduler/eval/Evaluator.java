package dev.gantry.scheduler.eval;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.TaskState;
import dev.gantry.scheduler.placement.JobResources;
import dev.gantry.scheduler.placement.NodeTable;
import dev.gantry.scheduler.placement.PlacementEngine;
import dev.gantry.scheduler.placement.PlacementOutcome;
import dev.gantry.scheduler.placement.PlacementSettings;
import dev.gantry.scheduler.reconcile.Reconciler;
import dev.gantry.scheduler.reconcile.Reconciliation;
import dev.gantry.scheduler.reconcile.ReschedulePolicy;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Turns a snapshot into per-job plans: reconcile each job, then place its missing replicas,
 * jobs in key order so the outcome is deterministic.
 * No I/O: the clock and the id source are injected.
 */
public final class Evaluator {
    private final Keys keys;
    private final Clock clock;
    private final Supplier<String> ids;
    private final PlacementEngine engine;

    private final AllocationRetention retention;
    private ReschedulePolicy reschedule = ReschedulePolicy.DEFAULT;

    public Evaluator(Keys keys, Clock clock, Supplier<String> ids) {
        this(keys, clock, ids, AllocationRetention.DEFAULT);
    }

    public Evaluator(Keys keys, Clock clock, Supplier<String> ids, AllocationRetention retention) {
        this(keys, clock, ids, retention, PlacementSettings.defaults());
    }

    /** {@code placement}: the cluster-wide placement settings (bin-pack or spread, candidate limits). */
    public Evaluator(Keys keys, Clock clock, Supplier<String> ids, AllocationRetention retention, PlacementSettings placement) {
        this.keys = keys;
        this.clock = clock;
        this.ids = ids;
        this.retention = retention;
        this.engine = new PlacementEngine(placement);
    }

    /** The clock evaluations read (the loop times its wake-ups by it). */
    Clock clock() {
        return clock;
    }

    /** How long replacements of failed replicas wait ({@link ReschedulePolicy#DEFAULT} unless set). */
    public Evaluator withReschedule(ReschedulePolicy policy) {
        this.reschedule = policy;
        return this;
    }

    /** Evaluates every job in the snapshot (and every job that still has allocations) on a table built from it. */
    public List<JobPlan> evaluate(Snapshot s) {
        TreeSet<String> jobKeys = new TreeSet<>(s.jobs().keySet());
        jobKeys.addAll(s.jobsWithAllocations());
        return evaluate(s, jobKeys, table(nodes(s), s));
    }

    /**
     * Evaluates the jobs {@code jobKeys} (in key order) on {@code table}, which must hold the
     * snapshot's nodes and allocations as {@link NodeTable#of} would build them; placements are
     * reserved in it. A job left out must be one whose evaluation would decide nothing: then the
     * plans equal those of {@link #evaluate(Snapshot)}, which is how the evaluation loop uses it.
     */
    public List<JobPlan> evaluate(Snapshot s, Collection<String> jobKeys, NodeTable table) {
        return evaluate(s, nodes(s), jobKeys, table);
    }

    /** As above, with the snapshot's nodes by id already extracted ({@link #nodes}); for repeated calls. */
    List<JobPlan> evaluate(Snapshot s, Map<String, Node> nodes, Collection<String> jobKeys, NodeTable table) {
        SortedSet<String> ordered = jobKeys instanceof SortedSet<String> sorted && sorted.comparator() == null
                ? sorted : new TreeSet<>(jobKeys);

        // Stopping allocations keep holding their node's resources until their agent reports
        // them ended (their containers still run); only then can others use them.
        Map<String, Reconciliation> decisions = new TreeMap<>();
        Map<String, Rollout> rollouts = new TreeMap<>();
        for (String jobKey : ordered) {
            Versioned<Job> job = s.jobs().get(jobKey);
            List<Allocation> allocs = s.allocationsOfJob(jobKey).values().stream().map(Versioned::value).toList();
            Rollout rollout = Rollout.observe(job == null ? null : job.value(), s.deployments().get(jobKey), allocs, clock.instant(),
                    s.unplaced().get(jobKey));
            Reconciliation r = Reconciler.reconcile(job == null ? null : job.value(), rollout.deployment(), allocs, nodes,
                    clock.instant(), reschedule);
            decisions.put(jobKey, r);
            rollouts.put(jobKey, r.stepped() ? rollout.stepped(clock.instant()) : rollout);
        }

        // Would anything under way make room for an unplaced replica: an allocation still stopping,
        // or a node that is down now and may come back (say, its agent reconnecting to a new
        // leader)? Asked only when a replica is unplaced.
        boolean stopsDecided = decisions.values().stream().anyMatch(r -> !r.stop().isEmpty());
        BooleanSupplier releasePending = memoized(() -> stopsDecided
                || nodes.values().stream().anyMatch(n -> n.getStatus() != dev.gantry.api.v1.NodeStatus.NODE_READY)
                || s.allocations().values().stream().anyMatch(v -> holdsRoomUntilStopped(v.value())));
        List<JobPlan> plans = new ArrayList<>();
        for (var e : decisions.entrySet()) {
            String jobKey = e.getKey();
            Versioned<Job> job = s.jobs().get(jobKey);
            JobSummary previous = s.unplaced().get(jobKey);
            JobDecision d = place(job, e.getValue(), table);
            JobPlan plan = plan(jobKey, job, d, s, previous, s.allocationsOfJob(jobKey).values(), rollouts.get(jobKey),
                    releasePending);
            if (plan != null) plans.add(plan);
        }
        return plans;
    }

    /**
     * What evaluating one job would decide, computed but not turned into writes: for a dry run.
     * Placement sees the snapshot's allocations only, not what other jobs' pending placements
     * in the same evaluation would reserve, so it may differ from a real evaluation on a busy
     * cluster.
     */
    public JobDecision decide(Snapshot s, String namespace, String name) {
        Map<String, Node> nodes = nodes(s);
        String jobKey = Snapshot.jobKey(namespace, name);
        Versioned<Job> job = s.jobs().get(jobKey);
        List<Allocation> allocs = s.allocationsOf(namespace, name);
        Rollout rollout = Rollout.observe(job == null ? null : job.value(), s.deployments().get(jobKey), allocs, clock.instant());
        Reconciliation r = Reconciler.reconcile(job == null ? null : job.value(), rollout.deployment(), allocs, nodes,
                clock.instant(), reschedule);
        return place(job, r, table(nodes, s));
    }

    /** Reconcile's decision for one job and, in the order of its {@code place()}, each replica's placement outcome. */
    public record JobDecision(Reconciliation reconciliation, List<PlacementOutcome> outcomes) {
    }

    static Map<String, Node> nodes(Snapshot s) {
        Map<String, Node> nodes = new HashMap<>();
        s.nodes().forEach((id, v) -> nodes.put(id, v.value()));
        return nodes;
    }

    static NodeTable table(Map<String, Node> nodes, Snapshot s) {
        return NodeTable.of(nodes.values(), s.allocations().values().stream().map(Versioned::value).toList());
    }

    /** Places the job's missing replicas in order, reserving each in {@code table} for the next. */
    private JobDecision place(Versioned<Job> job, Reconciliation r, NodeTable table) {
        if (job == null) return new JobDecision(r, List.of());
        List<PlacementOutcome> outcomes = new ArrayList<>(r.place().size());
        for (Reconciliation.Placement p : r.place()) outcomes.add(engine.place(job.value(), p.avoidNode(), table));
        return new JobDecision(r, outcomes);
    }

    /** Told to stop, and its containers may still run: its resources and ports are held until its agent says so. */
    static boolean holdsRoomUntilStopped(Allocation a) {
        return a.getDesiredStatus() == DesiredStatus.DESIRED_STOP
                && (a.getClientStatus() == ClientStatus.CLIENT_PENDING || a.getClientStatus() == ClientStatus.CLIENT_RUNNING);
    }

    private static BooleanSupplier memoized(BooleanSupplier f) {
        return new BooleanSupplier() {
            private Boolean value;

            @Override
            public boolean getAsBoolean() {
                if (value == null) value = f.getAsBoolean();
                return value;
            }
        };
    }

    private JobPlan plan(String jobKey, Versioned<Job> job, JobDecision d, Snapshot s, JobSummary previous,
                         java.util.Collection<Versioned<Allocation>> allocations, Rollout rollout,
                         BooleanSupplier releasePending) {
        Reconciliation r = d.reconciliation();
        List<Compare> compares = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        var now = Timestamps.fromMillis(clock.millis());

        for (Reconciliation.Stop stop : r.stop()) {
            Allocation a = stop.allocation();
            compares.add(Compare.modRevision(keys.allocation(a.getId()), s.allocations().get(a.getId()).modRevision()));
            Allocation.Builder b = a.toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP)
                    .setClientStatus(stop.clientStatus()).setStatusMessage(stop.reason()).setModifyTime(now);
            if (stop.failure() && !a.hasFailedAt()) b.setFailedAt(now);
            ops.add(Op.put(keys.allocation(a.getId()), b.build().toByteArray()));
        }

        // Replicas that already run the job's template move to its version without a restart.
        for (Allocation a : r.retag()) {
            compares.add(Compare.modRevision(keys.allocation(a.getId()), s.allocations().get(a.getId()).modRevision()));
            ops.add(Op.put(keys.allocation(a.getId()), a.toBuilder().setJobVersion(job.value().getVersion())
                    .setTemplateHash(job.value().getTemplateHash()).setModifyTime(now).build().toByteArray()));
        }
        rollout.writes(keys, compares, ops);

        // Finished allocations past their retention leave the store (same transaction, same fencing).
        java.time.Instant instant = clock.instant();
        for (Versioned<Allocation> v : retention.collectable(allocations, instant)) {
            compares.add(Compare.modRevision(keys.allocation(v.value().getId()), v.modRevision()));
            ops.add(Op.delete(keys.allocation(v.value().getId())));
        }

        int placed = 0;
        String failure = "";
        int unplaced = 0;
        if (job != null) {
            for (int k = 0; k < r.place().size(); k++) {
                Reconciliation.Placement p = r.place().get(k);
                PlacementOutcome out = d.outcomes().get(k);
                if (!out.placed()) {
                    unplaced++;
                    failure = out.explain();
                    continue;
                }
                String id = ids.get();
                Allocation.Builder a = Allocation.newBuilder()
                        .setId(id)
                        .setNamespace(job.value().getNamespace())
                        .setJob(job.value().getName())
                        .setJobVersion(job.value().getVersion())
                        .setIndex(p.index())
                        .setNodeId(out.nodeId().get())
                        .setDesiredStatus(DesiredStatus.DESIRED_RUN)
                        .setClientStatus(ClientStatus.CLIENT_PENDING)
                        .addAllPorts(out.ports())
                        .setResources(JobResources.of(job.value()))
                        .setTemplateHash(job.value().getTemplateHash())
                        .setCanary(p.canary())
                        .setRescheduleAttempt(p.attempt())
                        .setCreateTime(now)
                        .setModifyTime(now);
                job.value().getTasksList().forEach(t -> a.putTaskStates(t.getName(),
                        TaskState.newBuilder().setStatus(dev.gantry.api.v1.TaskStatus.TASK_PENDING).build()));
                compares.add(Compare.absent(keys.allocation(id)));
                ops.add(Op.put(keys.allocation(id), a.build().toByteArray()));
                placed++;
            }
        }

        // Keep the "why not placed" record in step, writing it only when it changes.
        String[] nsName = jobKey.split("/", 2);
        if (unplaced > 0 || !r.deferred().isEmpty()) {
            JobSummary.Builder summary = JobSummary.newBuilder();
            if (unplaced > 0) {
                summary.setUnplaced(unplaced).setPlacementFailure(failure).setBlocked(!releasePending.getAsBoolean());
            }
            r.deferred().stream().min(java.util.Comparator.comparing(Reconciliation.Deferred::notBefore)).ifPresent(next -> summary
                    .setRescheduling(r.deferred().size())
                    .setNextReschedule(Timestamps.fromMillis(next.notBefore().toEpochMilli()))
                    .setLastFailure("replica " + next.index() + (next.lastFailure().isEmpty() ? "" : ": " + next.lastFailure()))
                    .build());
            if (!summary.build().equals(previous)) ops.add(Op.put(keys.unplaced(nsName[0], nsName[1]), summary.build().toByteArray()));
        } else if (previous != null) {
            ops.add(Op.delete(keys.unplaced(nsName[0], nsName[1])));
        }

        JobPlan.Revert revert = rollout.revert();
        if (ops.isEmpty() && revert == null) return null;
        if (job != null) compares.add(Compare.modRevision(keys.job(nsName[0], nsName[1]), job.modRevision()));
        else compares.add(Compare.absent(keys.job(nsName[0], nsName[1])));
        return new JobPlan(jobKey, compares, ops, placed, r.stop().size(), unplaced, revert);
    }
}
