package dev.gantry.scheduler.events;

import dev.gantry.api.status.StatusWords;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.gantry.api.status.AllocationProblem;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DeploymentStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Event;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.api.v1.TaskState;
import dev.gantry.api.v1.TaskStatus;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The events between two snapshots of the state cache: what changed that a person watching
 * the cluster wants to hear about (a job submitted or stopped, a replica placed or lost, a
 * task's state or message, a node going down, a placement failure, a rollout's outcome), and
 * nothing else (heartbeats, bookkeeping). Pure: the time is data, and snapshots of one cache are
 * compared in O(changes). Entries that were rewritten without a visible change make no event, so
 * diffing a reloaded cache against the old one is safe.
 *
 * <p>Order: node events, then per job (sorted) its record, rollout and placement events, then
 * allocations by job, replica index and id, each followed by its tasks' events (by task name).
 */
public final class EventDiff {
    /** What a task is before anyone reported on it: placed allocations start pending, which is no news. */
    private static final TaskState NOT_STARTED = TaskState.newBuilder().setStatus(TaskStatus.TASK_PENDING).build();

    private EventDiff() {
    }

    public static List<Event> between(Snapshot before, Snapshot after, Instant now) {
        Timestamp time = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
        List<Event> out = new ArrayList<>();
        for (String id : new TreeSet<>(after.changedNodes(before))) {
            nodeEvents(value(before.nodes().get(id)), value(after.nodes().get(id)), time, out);
        }
        for (String key : new TreeSet<>(after.changedJobs(before))) {
            jobEvents(key, value(before.jobs().get(key)), value(after.jobs().get(key)), time, out);
            rolloutEvents(value(before.deployments().get(key)), value(after.deployments().get(key)), time, out);
            placementEvents(key, before.unplaced().get(key), after.unplaced().get(key), time, out);
        }
        List<Allocation> changed = new ArrayList<>();
        for (String id : after.changedAllocations(before)) {
            Allocation a = value(after.allocations().get(id));
            if (a != null) changed.add(a);   // removed: kept an hour after it ended, then deleted; not news
        }
        changed.sort(Comparator.comparing(Allocation::getNamespace).thenComparing(Allocation::getJob)
                .thenComparingInt(Allocation::getIndex).thenComparing(Allocation::getId));
        for (Allocation a : changed) {
            Node node = value(after.nodes().get(a.getNodeId()));
            allocationEvents(value(before.allocations().get(a.getId())), a, node == null ? a.getNodeId() : name(node), time, out);
        }
        return out;
    }

    private static <T> T value(Versioned<T> v) {
        return v == null ? null : v.value();
    }

    // ---------------------------------------------------------------- nodes

    private static void nodeEvents(Node b, Node a, Timestamp time, List<Event> out) {
        if (a == null) {
            if (b != null) out.add(node(time, "node.removed", b, "node " + name(b) + " removed"));
            return;
        }
        if (b == null) {
            out.add(node(time, "node.registered", a, "node " + name(a) + " registered at " + a.getAddress()
                    + (a.getDriversCount() == 0 ? "" : " (drivers: " + String.join(", ", a.getDriversList()) + ")")));
            return;
        }
        if (b.getStatus() != a.getStatus()) {
            if (a.getStatus() == NodeStatus.NODE_DOWN) {
                out.add(node(time, "node.down", a, "node " + name(a) + " is down: not heard from since "
                        + Instant.ofEpochSecond(a.getLastHeartbeat().getSeconds())));
            } else if (a.getStatus() == NodeStatus.NODE_READY) {
                out.add(node(time, "node.ready", a, "node " + name(a) + " is ready"));
            }
        }
        if (a.getDraining() && !b.getDraining()) {
            out.add(node(time, "node.draining", a, "node " + name(a) + " is draining"
                    + (a.hasDrainDeadline() ? " (deadline " + Instant.ofEpochSecond(a.getDrainDeadline().getSeconds()) + ")" : "")));
        } else if (b.getEligible() && !a.getEligible()) {
            out.add(node(time, "node.cordoned", a, "node " + name(a) + " is cordoned: nothing new is placed on it"));
        }
        if (!b.getEligible() && a.getEligible()) {
            out.add(node(time, "node.uncordoned", a, "node " + name(a) + " is eligible again"));
        }
    }

    private static String name(Node n) {
        return n.getName().isEmpty() ? n.getId() : n.getName();
    }

    private static Event node(Timestamp time, String kind, Node n, String message) {
        return Event.newBuilder().setTime(time).setKind(kind).setNodeId(n.getId()).setNodeName(name(n)).setMessage(message).build();
    }

    // ---------------------------------------------------------------- jobs, rollouts, placement

    private static void jobEvents(String key, Job b, Job a, Timestamp time, List<Event> out) {
        if (a == null) {
            if (b != null) out.add(job(time, "job.removed", key, "job removed"));
            return;
        }
        if (b == null || a.getVersion() > b.getVersion()) {
            out.add(job(time, "job.submitted", key, "version " + a.getVersion() + " submitted"
                    + (a.getChangeCause().isEmpty() ? "" : " (" + a.getChangeCause() + ")")
                    + ", " + a.getCount() + (a.getCount() == 1 ? " replica" : " replicas")));
        }
        if (b != null && !b.getStopped() && a.getStopped()) out.add(job(time, "job.stopped", key, "job stopped: its replicas stop"));
        if (b != null && b.getStopped() && !a.getStopped()) out.add(job(time, "job.started", key, "job started again"));
    }

    private static void rolloutEvents(Deployment b, Deployment a, Timestamp time, List<Event> out) {
        if (a == null) return;
        String key = Snapshot.jobKey(a.getNamespace(), a.getJob());
        String what = "rollout of version " + a.getJobVersion();
        String why = a.getStatusDescription().isEmpty() ? "" : ": " + a.getStatusDescription();
        if (b == null || b.getJobVersion() != a.getJobVersion()) {
            String kind = a.getStatus() == DeploymentStatus.DEPLOYMENT_RUNNING ? "rollout.started" : rolloutKind(a.getStatus());
            out.add(job(time, kind, key, what + (kind.equals("rollout.started") ? " started" : " " + StatusWords.deployment(a.getStatus())) + why));
            return;
        }
        if (b.getStatus() != a.getStatus()) {
            out.add(job(time, rolloutKind(a.getStatus()), key, what + " " + StatusWords.deployment(a.getStatus()) + why));
        }
        if (b.getPaused() != a.getPaused()) {
            out.add(job(time, a.getPaused() ? "rollout.paused" : "rollout.resumed", key, what + (a.getPaused() ? " paused" : " resumed")));
        }
        if (!b.getPromoted() && a.getPromoted()) out.add(job(time, "rollout.promoted", key, what + ": canaries promoted"));
    }

    private static String rolloutKind(DeploymentStatus s) {
        return "rollout." + StatusWords.deployment(s).replace(' ', '_');
    }

    private static void placementEvents(String key, JobSummary b, JobSummary a, Timestamp time, List<Event> out) {
        int before = b == null ? 0 : b.getUnplaced();
        int after = a == null ? 0 : a.getUnplaced();
        if (after > 0 && (after != before || !a.getPlacementFailure().equals(b.getPlacementFailure()))) {
            out.add(job(time, "placement.failed", key, "cannot place " + after + (after == 1 ? " replica" : " replicas")
                    + (a.getPlacementFailure().isEmpty() ? "" : ": " + a.getPlacementFailure())));
        } else if (after == 0 && before > 0) {
            out.add(job(time, "placement.resolved", key, "no replica is waiting to be placed any more"));
        }
        if (a != null && a.getRescheduling() > 0 && (b == null || !a.getNextReschedule().equals(b.getNextReschedule()))) {
            long wait = Math.max(0, Timestamps.toMillis(a.getNextReschedule()) - Timestamps.toMillis(time));
            out.add(job(time, "reschedule.waiting", key, a.getLastFailure() + "; placed again in "
                    + (wait + 999) / 1000 + "s" + (a.getRescheduling() > 1 ? " (" + a.getRescheduling() + " replicas waiting)" : "")));
        }
    }

    private static Event job(Timestamp time, String kind, String key, String message) {
        int slash = key.indexOf('/');
        return Event.newBuilder().setTime(time).setKind(kind).setNamespace(key.substring(0, slash))
                .setJob(key.substring(slash + 1)).setMessage(message).build();
    }

    // ---------------------------------------------------------------- allocations and tasks

    private static void allocationEvents(Allocation b, Allocation a, String nodeName, Timestamp time, List<Event> out) {
        String replica = "replica " + a.getIndex();
        if (b == null) {
            out.add(alloc(time, "alloc.placed", a, nodeName, replica + " (version " + a.getJobVersion() + ") placed on "
                    + nodeName + (a.getCanary() ? " as a canary" : "")));
        } else {
            if (b.getDesiredStatus() != DesiredStatus.DESIRED_STOP && a.getDesiredStatus() == DesiredStatus.DESIRED_STOP) {
                out.add(alloc(time, "alloc.stopping", a, nodeName, replica + " stopping"
                        + (a.getStatusMessage().isEmpty() ? "" : ": " + a.getStatusMessage())));
            }
            ClientStatus cs = a.getClientStatus();
            boolean first = b.getClientStatus() == ClientStatus.CLIENT_STATUS_UNSPECIFIED && cs == ClientStatus.CLIENT_PENDING;
            if (b.getClientStatus() != cs && cs != ClientStatus.CLIENT_STATUS_UNSPECIFIED && !first) {
                String status = cs.name().substring("CLIENT_".length()).toLowerCase(Locale.ROOT);
                String why = cs == ClientStatus.CLIENT_FAILED ? AllocationProblem.describe(a)
                        : cs == ClientStatus.CLIENT_LOST ? a.getStatusMessage() : "";
                out.add(alloc(time, "alloc." + status, a, nodeName, replica + " " + status + " on " + nodeName
                        + (why.isEmpty() ? "" : ": " + why)));
            }
        }
        Map<String, TaskState> before = b == null ? Map.of() : b.getTaskStatesMap();
        for (String task : new TreeSet<>(a.getTaskStatesMap().keySet())) {
            taskEvents(before.getOrDefault(task, NOT_STARTED), a.getTaskStatesMap().get(task), a, task,
                    nodeName, time, out);
        }
    }

    /**
     * At most one event for the task's run (a status change, else a new exit, else a new message;
     * the agent sends pull progress as the message of a pending task) and one for its readiness.
     */
    private static void taskEvents(TaskState b, TaskState a, Allocation alloc, String task, String nodeName, Timestamp time,
                                   List<Event> out) {
        if (a.equals(b) || a.getStatus() == TaskStatus.TASK_STATUS_UNSPECIFIED) return;
        String restart = a.getRestarts() > b.getRestarts() ? " (restart " + a.getRestarts() + ")" : "";
        boolean exited = a.getHasExit() && !a.getFinishedAt().equals(b.getFinishedAt());
        if (a.getStatus() != b.getStatus()) {
            String status = a.getStatus().name().substring("TASK_".length()).toLowerCase(Locale.ROOT);
            String message = a.getStatus() == TaskStatus.TASK_RUNNING ? "started" + restart
                    : (a.getMessage().isEmpty() ? status : a.getMessage()) + restart;
            out.add(task(time, "task." + status, alloc, task, nodeName, message));
        } else if (exited) {
            out.add(task(time, "task.exited", alloc, task, nodeName, exitMessage(a)));
        } else if (!a.getMessage().equals(b.getMessage()) && !a.getMessage().isEmpty()) {
            out.add(task(time, "task.message", alloc, task, nodeName, a.getMessage() + restart));
        }
        // Readiness of a task that keeps running; a task that stops is not ready, and its status says so.
        if (a.getStatus() == TaskStatus.TASK_RUNNING && b.getStatus() == TaskStatus.TASK_RUNNING && a.getHealthy() != b.getHealthy()) {
            out.add(task(time, a.getHealthy() ? "task.healthy" : "task.unhealthy", alloc, task, nodeName,
                    a.getHealthy() ? "passes its readiness checks"
                            : a.getHealthMessage().isEmpty() ? "not ready" : a.getHealthMessage()));
        }
    }

    private static String exitMessage(TaskState a) {
        String m = a.getMessage().isEmpty() ? "exited with " + a.getLastExitCode() : a.getMessage();
        return a.getOomKilled() && !m.contains("OOM") ? m + " (OOM killed)" : m;
    }

    private static Event alloc(Timestamp time, String kind, Allocation a, String nodeName, String message) {
        return Event.newBuilder().setTime(time).setKind(kind).setNamespace(a.getNamespace()).setJob(a.getJob())
                .setAllocationId(a.getId()).setNodeId(a.getNodeId()).setNodeName(nodeName).setMessage(message).build();
    }

    private static Event task(Timestamp time, String kind, Allocation a, String task, String nodeName, String message) {
        return alloc(time, kind, a, nodeName, message).toBuilder().setTask(task).build();
    }
}
