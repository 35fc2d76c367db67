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
import dev.gantry.scheduler.reconcile.Reconciler;
import dev.gantry.scheduler.reconcile.Reconciliation;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
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
    private final PlacementEngine engine = new PlacementEngine();

    public Evaluator(Keys keys, Clock clock, Supplier<String> ids) {
        this.keys = keys;
        this.clock = clock;
        this.ids = ids;
    }

    public List<JobPlan> evaluate(Snapshot s) {
        Map<String, Node> nodes = new HashMap<>();
        s.nodes().forEach((id, v) -> nodes.put(id, v.value()));
        NodeTable table = NodeTable.of(nodes.values(), s.allocations().values().stream().map(Versioned::value).toList());

        Map<String, List<Versioned<Allocation>>> byJob = new TreeMap<>();
        s.allocations().values().forEach(v -> byJob
                .computeIfAbsent(Snapshot.jobKey(v.value().getNamespace(), v.value().getJob()), k -> new ArrayList<>())
                .add(v));
        TreeSet<String> jobKeys = new TreeSet<>(s.jobs().keySet());
        jobKeys.addAll(byJob.keySet());

        // Stopping allocations keep holding their node's resources until their agent reports
        // them ended (their containers still run); only then can others use them.
        Map<String, Reconciliation> decisions = new TreeMap<>();
        for (String jobKey : jobKeys) {
            Versioned<Job> job = s.jobs().get(jobKey);
            List<Versioned<Allocation>> allocs = byJob.getOrDefault(jobKey, List.of());
            Reconciliation r = Reconciler.reconcile(job == null ? null : job.value(),
                    allocs.stream().map(Versioned::value).toList(), nodes, clock.instant());
            decisions.put(jobKey, r);
        }

        List<JobPlan> plans = new ArrayList<>();
        for (var e : decisions.entrySet()) {
            String jobKey = e.getKey();
            Reconciliation r = e.getValue();
            Versioned<Job> job = s.jobs().get(jobKey);
            JobSummary previous = s.unplaced().get(jobKey);
            JobPlan plan = plan(jobKey, job, r, s, table, previous);
            if (plan != null) plans.add(plan);
        }
        return plans;
    }

    private JobPlan plan(String jobKey, Versioned<Job> job, Reconciliation r, Snapshot s, NodeTable table, JobSummary previous) {
        List<Compare> compares = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        var now = Timestamps.fromMillis(clock.millis());

        for (Reconciliation.Stop stop : r.stop()) {
            Allocation a = stop.allocation();
            compares.add(Compare.modRevision(keys.allocation(a.getId()), s.allocations().get(a.getId()).modRevision()));
            Allocation.Builder b = a.toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP)
                    .setClientStatus(stop.clientStatus()).setStatusMessage(stop.reason()).setModifyTime(now);
            ops.add(Op.put(keys.allocation(a.getId()), b.build().toByteArray()));
        }

        int placed = 0;
        String failure = "";
        int unplaced = 0;
        if (job != null) {
            for (Reconciliation.Placement p : r.place()) {
                PlacementOutcome out = engine.place(job.value(), p.avoidNode(), table);
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
        if (unplaced > 0) {
            JobSummary summary = JobSummary.newBuilder().setUnplaced(unplaced).setPlacementFailure(failure).build();
            if (!summary.equals(previous)) ops.add(Op.put(keys.unplaced(nsName[0], nsName[1]), summary.toByteArray()));
        } else if (previous != null) {
            ops.add(Op.delete(keys.unplaced(nsName[0], nsName[1])));
        }

        if (ops.isEmpty()) return null;
        if (job != null) compares.add(Compare.modRevision(keys.job(nsName[0], nsName[1]), job.modRevision()));
        else compares.add(Compare.absent(keys.job(nsName[0], nsName[1])));
        return new JobPlan(jobKey, compares, ops, placed, r.stop().size(), unplaced);
    }
}
