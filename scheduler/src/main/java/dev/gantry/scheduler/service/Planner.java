package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.PlanResponse;
import dev.gantry.api.v1.PlannedPlacement;
import dev.gantry.api.v1.PlannedStop;
import dev.gantry.scheduler.eval.AllocationRetention;
import dev.gantry.scheduler.eval.Evaluator;
import dev.gantry.scheduler.placement.PlacementOutcome;
import dev.gantry.scheduler.placement.PlacementSettings;
import dev.gantry.scheduler.reconcile.Reconciliation;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The dry run behind `gantry plan`: the job as Submit would store it is put into a copy of the
 * snapshot, and the evaluator's decision for that job alone is reported. Pure: reads a
 * snapshot, writes nothing, creates no allocation ids.
 */
final class Planner {
    private final Evaluator evaluator;

    Planner(Keys keys, Clock clock, PlacementSettings placement) {
        this.evaluator = new Evaluator(keys, clock, () -> {
            throw new IllegalStateException("a dry run creates no allocations");
        }, AllocationRetention.DEFAULT, placement);
    }

    /** {@code stored} is the job Submit would leave in place (the current one when unchanged). */
    PlanResponse plan(Snapshot s, Job stored, boolean changed) {
        String key = Snapshot.jobKey(stored.getNamespace(), stored.getName());
        Map<String, Versioned<Job>> jobs = new HashMap<>(s.jobs());
        jobs.put(key, new Versioned<>(stored, 0));
        Snapshot hypothetical = new Snapshot(s.revision(), jobs, s.allocations(), s.nodes(), s.unplaced());
        Evaluator.JobDecision d = evaluator.decide(hypothetical, stored.getNamespace(), stored.getName());

        PlanResponse.Builder b = PlanResponse.newBuilder().setJob(stored).setChanged(changed);
        for (Reconciliation.Stop stop : d.reconciliation().stop()) {
            Allocation a = stop.allocation();
            b.addStops(PlannedStop.newBuilder().setAllocationId(a.getId()).setIndex(a.getIndex())
                    .setNodeId(a.getNodeId()).setReason(stop.reason()));
        }
        for (int k = 0; k < d.outcomes().size(); k++) {
            PlacementOutcome out = d.outcomes().get(k);
            if (!out.placed()) {
                // The same summary a real evaluation would record: the count and the last reason.
                b.setUnplaced(b.getUnplaced() + 1).setPlacementFailure(out.explain());
                continue;
            }
            String nodeId = out.nodeId().get();
            Versioned<Node> node = s.nodes().get(nodeId);
            b.addPlacements(PlannedPlacement.newBuilder().setIndex(d.reconciliation().place().get(k).index())
                    .setNodeId(nodeId).setNodeName(node == null ? "" : node.value().getName())
                    .addAllPorts(out.ports()).putAllScores(out.scores()));
        }
        return b.build();
    }
}
