package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Secret;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * A node's share of the desired state: allocations placed on it that should run, and those
 * that should stop but have not reported stopping yet. Anything an agent runs that is not in
 * this set, it stops. Sorted by id so equal states compare equal.
 *
 * <p>This is also the fence for a node that comes back after being declared down: its
 * allocations were marked lost (stop, CLIENT_LOST) and replaced elsewhere, so they are left
 * out and the returning agent stops them. If the agent first re-reports one as running, it
 * is listed again, now as DESIRED_STOP, until the agent reports it ended; either way it stops.
 *
 * <p>Each assignment carries the data of the image pull secrets its tasks name, so a secret
 * reaches exactly the agents that pull for it. A named secret that does not exist is left out;
 * the agent then fails the task saying so.
 */
final class DesiredAssignments {
    private DesiredAssignments() {
    }

    /** @param secrets the cluster's secrets by {@code namespace/name}, as {@code ClusterState#secrets()} has them */
    static DesiredAllocations forNode(Snapshot s, String nodeId, Map<String, Versioned<Secret>> secrets) {
        return forNode(s, nodeId, secrets, new Memo());
    }

    /**
     * As above, reusing the assignments {@code memo} holds from the node's last set where their
     * inputs (the allocation, its job and the secrets) are the same objects, as they are in
     * snapshots of one cache while unchanged; then a push costs O(changed assignments) to build,
     * and comparing it with the last set sent finds the unchanged ones equal by reference.
     * {@code memo} then holds this set's assignments; one memo per node, used by one thread.
     */
    static DesiredAllocations forNode(Snapshot s, String nodeId, Map<String, Versioned<Secret>> secrets, Memo memo) {
        DesiredAllocations.Builder b = DesiredAllocations.newBuilder();
        Map<String, Memo.Entry> next = new HashMap<>();
        s.allocationsOn(nodeId).stream()
                .filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN || !terminal(a.getClientStatus()))
                .sorted(Comparator.comparing(Allocation::getId))
                .forEach(a -> {
                    Memo.Entry kept = memo.entries.get(a.getId());
                    // The kept key is the same string each time, so its hash is computed once.
                    String jobKey = kept != null && kept.allocation() == a ? kept.jobKey() : Snapshot.jobKey(a.getNamespace(), a.getJob());
                    Versioned<Job> job = s.jobs().get(jobKey);
                    if (kept != null && kept.allocation() == a && kept.job() == job && kept.secrets() == secrets) {
                        next.put(a.getId(), kept);
                        b.addAssignments(kept.assignment());
                        return;
                    }
                    // Status fields are the agent's own reports: leave them out so that a report
                    // does not echo back as a "changed" desired state.
                    Allocation desired = a.toBuilder().clearClientStatus().clearTaskStates()
                            .clearModifyTime().clearStatusMessage().build();
                    Assignment.Builder asg = Assignment.newBuilder().setAllocation(desired);
                    if (job != null) {
                        asg.setJob(job.value());
                        for (Task t : job.value().getTasksList()) {
                            if (t.getImagePullSecret().isEmpty()) continue;
                            Versioned<Secret> secret = secrets.get(Snapshot.jobKey(a.getNamespace(), t.getImagePullSecret()));
                            if (secret != null) asg.putImagePullSecrets(t.getImagePullSecret(), secret.value().getData());
                        }
                    }
                    Assignment built = asg.build();
                    next.put(a.getId(), new Memo.Entry(a, jobKey, job, secrets, built));
                    b.addAssignments(built);
                });
        memo.entries = next;
        return b.build();
    }

    /** The assignments of a node's last desired set, with what each was built from. Not thread-safe. */
    static final class Memo {
        private record Entry(Allocation allocation, String jobKey, Versioned<Job> job, Map<String, Versioned<Secret>> secrets,
                             Assignment assignment) {
        }

        private Map<String, Entry> entries = new HashMap<>();
    }

    private static boolean terminal(ClientStatus s) {
        return s == ClientStatus.CLIENT_COMPLETE || s == ClientStatus.CLIENT_FAILED || s == ClientStatus.CLIENT_LOST;
    }
}
