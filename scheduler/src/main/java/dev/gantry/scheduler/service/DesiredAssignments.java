package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Secret;
import dev.gantry.api.v1.Task;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    private static final Comparator<Assignment> BY_ID = Comparator.comparing(a -> a.getAllocation().getId());

    private DesiredAssignments() {
    }

    /** @param secrets the cluster's secrets by {@code namespace/name}, as {@code ClusterState#secrets()} has them */
    static DesiredAllocations forNode(Snapshot s, String nodeId, Map<String, Versioned<Secret>> secrets) {
        return forNode(s, nodeId, secrets, new Memo());
    }

    /**
     * As above, brought up to date from {@code memo} as {@link #changesForNode} does; {@code memo}
     * then holds this set. One memo per node, used by one thread.
     */
    static DesiredAllocations forNode(Snapshot s, String nodeId, Map<String, Versioned<Secret>> secrets, Memo memo) {
        changesForNode(s, nodeId, secrets, memo);
        return whole(memo);
    }

    /** The set {@code memo} holds, sorted by allocation id. */
    static DesiredAllocations whole(Memo memo) {
        List<Assignment> sorted = new ArrayList<>(memo.entries.size());
        for (Memo.Entry e : memo.entries.values()) sorted.add(e.assignment());
        sorted.sort(BY_ID);
        return DesiredAllocations.newBuilder().addAllAssignments(sorted).build();
    }

    /**
     * How the node's set differs from the one {@code memo} holds (the last one sent, whole or as
     * changes): assignments that are new or whose content changed, and the ids that left. The
     * agent applies them to what it has (see {@code DesiredSet}). Looks only at the node's
     * allocations that changed since the memo was made (all of them if the secrets changed), so
     * a push costs O(changes), not O(the node's allocations); a changed job record costs one pass
     * over the memo to find that job's assignments. {@code memo} then holds the new set.
     */
    static DesiredChanges changesForNode(Snapshot s, String nodeId, Map<String, Versioned<Secret>> secrets, Memo memo) {
        List<String> removed = new ArrayList<>();
        List<Assignment> changed = update(s, nodeId, secrets, memo, removed);
        return DesiredChanges.newBuilder().addAllUpserted(changed).addAllRemoved(removed).build();
    }

    /**
     * Brings {@code memo}'s set up to the node's current one and returns the assignments that are
     * new or differ in content from the memo's; adds the ids that left to {@code removed}. With a
     * memo made under the same secrets, only the allocations that may have changed are looked at.
     * Unchanged inputs (the allocation, its job and the secrets: the same objects in snapshots of
     * one cache) keep their assignment; a rebuilt assignment equal to the kept one keeps the kept
     * object, so identity keeps meaning "unchanged".
     */
    private static List<Assignment> update(Snapshot s, String nodeId, Map<String, Versioned<Secret>> secrets, Memo memo,
                                           List<String> removed) {
        Map<String, Versioned<Allocation>> here = s.allocationsOnNode(nodeId);
        Map<String, Memo.Entry> next;
        Collection<String> ids;
        if (memo.allocations != null && memo.secrets == secrets) {
            Set<String> touched = new HashSet<>();
            Snapshot.diff(memo.allocations, here, touched::add);
            // A changed job record reaches the assignments the agent has of that job; a new
            // allocation of it shows in the node's allocations already.
            Set<String> changedJobs = new HashSet<>();
            Snapshot.diff(memo.jobs, s.jobs(), changedJobs::add);
            if (!changedJobs.isEmpty()) {
                for (Memo.Entry e : memo.entries.values()) {
                    if (changedJobs.contains(e.jobKey())) touched.add(e.allocation().getId());
                }
            }
            next = memo.entries;   // edited in place: only the touched ids change
            ids = touched;
        } else {
            next = new HashMap<>();
            ids = here.keySet();
        }
        List<Assignment> changed = new ArrayList<>();
        for (String id : ids) {
            Versioned<Allocation> v = here.get(id);
            Memo.Entry kept = memo.entries.get(id);
            if (v == null || v.value().getDesiredStatus() != DesiredStatus.DESIRED_RUN && terminal(v.value().getClientStatus())) {
                if (next == memo.entries && next.remove(id) != null) removed.add(id);
                continue;
            }
            Allocation a = v.value();
            // The kept key is the same string each time, so its hash is computed once.
            String jobKey = kept != null && kept.allocation() == a ? kept.jobKey() : Snapshot.jobKey(a.getNamespace(), a.getJob());
            Versioned<Job> job = s.jobs().get(jobKey);
            if (kept != null && kept.allocation() == a && kept.job() == job && kept.secrets() == secrets) {
                next.put(id, kept);
                continue;
            }
            Assignment built = build(a, job, secrets, s);
            if (kept != null && kept.assignment().equals(built)) {
                built = kept.assignment();
            } else {
                changed.add(built);
            }
            next.put(id, new Memo.Entry(a, jobKey, job, secrets, built));
        }
        if (next != memo.entries) {
            for (String id : memo.entries.keySet()) if (!next.containsKey(id)) removed.add(id);
            memo.entries = next;
        }
        memo.allocations = here;
        memo.jobs = s.jobs();
        memo.secrets = secrets;
        return changed;
    }

    private static Assignment build(Allocation a, Versioned<Job> job, Map<String, Versioned<Secret>> secrets, Snapshot s) {
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
        return asg.build();
    }

    /**
     * The assignments of a node's last desired set, with what each was built from, and the maps
     * (node's allocations, jobs, secrets) the set was last brought up to date with. Not thread-safe.
     */
    static final class Memo {
        private record Entry(Allocation allocation, String jobKey, Versioned<Job> job, Map<String, Versioned<Secret>> secrets,
                             Assignment assignment) {
        }

        private Map<String, Entry> entries = new HashMap<>();
        private Map<String, Versioned<Allocation>> allocations;
        private Map<String, Versioned<Job>> jobs;
        private Map<String, Versioned<Secret>> secrets;
    }

    private static boolean terminal(ClientStatus s) {
        return s == ClientStatus.CLIENT_COMPLETE || s == ClientStatus.CLIENT_FAILED || s == ClientStatus.CLIENT_LOST;
    }
}
