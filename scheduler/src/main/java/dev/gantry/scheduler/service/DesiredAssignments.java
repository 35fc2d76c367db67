package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.util.Comparator;

/**
 * A node's share of the desired state: allocations placed on it that should run, and those
 * that should stop but have not reported stopping yet. Anything an agent runs that is not in
 * this set, it stops. Sorted by id so equal states compare equal.
 *
 * <p>This is also the fence for a node that comes back after being declared down: its
 * allocations were marked lost (stop, CLIENT_LOST) and replaced elsewhere, so they are left
 * out and the returning agent stops them. If the agent first re-reports one as running, it
 * is listed again, now as DESIRED_STOP, until the agent reports it ended; either way it stops.
 */
final class DesiredAssignments {
    private DesiredAssignments() {
    }

    static DesiredAllocations forNode(Snapshot s, String nodeId) {
        DesiredAllocations.Builder b = DesiredAllocations.newBuilder();
        s.allocationsOn(nodeId).stream()
                .filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN || !terminal(a.getClientStatus()))
                .sorted(Comparator.comparing(Allocation::getId))
                .forEach(a -> {
                    Versioned<Job> job = s.jobs().get(Snapshot.jobKey(a.getNamespace(), a.getJob()));
                    // Status fields are the agent's own reports: leave them out so that a report
                    // does not echo back as a "changed" desired state.
                    Allocation desired = a.toBuilder().clearClientStatus().clearTaskStates()
                            .clearModifyTime().clearStatusMessage().build();
                    Assignment.Builder asg = Assignment.newBuilder().setAllocation(desired);
                    if (job != null) asg.setJob(job.value());
                    b.addAssignments(asg);
                });
        return b.build();
    }

    private static boolean terminal(ClientStatus s) {
        return s == ClientStatus.CLIENT_COMPLETE || s == ClientStatus.CLIENT_FAILED || s == ClientStatus.CLIENT_LOST;
    }
}
