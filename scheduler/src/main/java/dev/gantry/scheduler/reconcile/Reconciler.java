package dev.gantry.scheduler.reconcile;

import dev.gantry.api.status.AllocationProblem;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;
import dev.gantry.scheduler.rollout.ReplicaHealth;
import dev.gantry.scheduler.rollout.RolloutGate;
import dev.gantry.scheduler.rollout.Templates;
import dev.gantry.scheduler.rollout.UpdatePolicy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Keeps {@code count} live allocations of a job, one per replica index, and rolls outdated
 * ones over to the job's template under its update strategy (after Nomad's AllocReconciler
 * and Kubernetes' rolling update). A pure function: the same inputs give the same decisions,
 * and applying them then reconciling again gives nothing to do (idempotent). The current time
 * is an input, for drain deadlines and replica health.
 *
 * <p>Rules, in order: a stopped job stops everything; an allocation whose node is down or
 * unknown is lost and replaced; one that gave up under its restart policy is stopped and
 * replaced elsewhere if possible, after a wait that grows with each failure at that index
 * ({@link ReschedulePolicy}; a completed service replica counts as failed); indexes at or above {@code count} are stopped. Of the rest,
 * those running the job's template are current (moved to the current version in place if
 * older), the others outdated. Current ones are settled per index by {@link ReplicaSlot}: a
 * duplicate keeps the oldest, and a replica on a draining node migrates ({@link Migration}).
 *
 * <p>Rollout: an index with only an outdated replica is replaced while the deployment allows
 * ({@link RolloutGate}): first {@code canary} extra replicas beside the outdated ones until
 * promotion; then, per index, a new replica beside the old one while the surge budget lasts
 * (the old one stops once the new one is healthy), or the old one stopped and replaced at
 * once while the unavailability budget lasts. A missing index is placed at once, rollout or not.
 */
public final class Reconciler {

    private Reconciler() {
    }

    /** Reconcile without a deployment record: a rollout proceeds as if it had just started. */
    public static Reconciliation reconcile(Job job, List<Allocation> allocations, Map<String, Node> nodes, Instant now) {
        return reconcile(job, null, allocations, nodes, now);
    }

    public static Reconciliation reconcile(Job job, Deployment deployment, List<Allocation> allocations,
                                           Map<String, Node> nodes, Instant now) {
        return reconcile(job, deployment, allocations, nodes, now, ReschedulePolicy.DEFAULT);
    }

    public static Reconciliation reconcile(Job job, Deployment deployment, List<Allocation> allocations,
                                           Map<String, Node> nodes, Instant now, ReschedulePolicy reschedule) {
        List<Reconciliation.Stop> stop = new ArrayList<>();
        // Per index, the predecessor whose failure (now, or stored) a replacement waits after.
        Map<Integer, Failure> failures = job == null ? new HashMap<>() : lastFailures(job, allocations);
        Map<Integer, List<Allocation>> current = new TreeMap<>();
        Map<Integer, List<Allocation>> outdated = new TreeMap<>();
        List<Allocation> retag = new ArrayList<>();
        Map<Integer, String> avoid = new HashMap<>();

        List<Allocation> live = allocations.stream()
                .filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN)
                .sorted(Comparator.comparing((Allocation a) -> a.getCreateTime().getSeconds())
                        .thenComparing(a -> a.getCreateTime().getNanos())
                        .thenComparing(Allocation::getId))
                .toList();

        for (Allocation a : live) {
            Node node = nodes.get(a.getNodeId());
            if (job == null || job.getStopped()) {
                stop.add(new Reconciliation.Stop(a, a.getClientStatus(), "job stopped"));
            } else if (node == null || node.getStatus() == NodeStatus.NODE_DOWN) {
                stop.add(new Reconciliation.Stop(a, ClientStatus.CLIENT_LOST, "node " + a.getNodeId() + " is down"));
            } else if (a.getClientStatus() == ClientStatus.CLIENT_FAILED || a.getClientStatus() == ClientStatus.CLIENT_COMPLETE) {
                // A service replica is meant to keep running: one that completed is replaced like a failed one.
                boolean failed = a.getClientStatus() == ClientStatus.CLIENT_FAILED;
                stop.add(new Reconciliation.Stop(a, a.getClientStatus(), failed ? "failed; rescheduling"
                        : "completed, but a service replica should keep running; rescheduling", true));
                avoid.put(a.getIndex(), a.getNodeId());
                if (Templates.current(a, job)) failures.put(a.getIndex(), new Failure(a, now));
            } else if (a.getIndex() >= job.getCount()) {
                stop.add(new Reconciliation.Stop(a, a.getClientStatus(), "scaled down"));
            } else if (Templates.current(a, job)) {
                current.computeIfAbsent(a.getIndex(), i -> new ArrayList<>()).add(a);
                if (a.getJobVersion() != job.getVersion()) retag.add(a);
            } else {
                outdated.computeIfAbsent(a.getIndex(), i -> new ArrayList<>()).add(a);
            }
        }

        if (job == null || job.getStopped()) return new Reconciliation(List.of(), List.copyOf(stop));

        UpdatePolicy policy = UpdatePolicy.of(job);
        RolloutGate gate = RolloutGate.of(deployment, policy, !outdated.isEmpty(), now);
        List<Reconciliation.Placement> place = new ArrayList<>();
        Migration migration = new Migration(Migration.MAX_PARALLEL);
        Map<Integer, ReplicaSlot> slots = new TreeMap<>();
        current.forEach((index, candidates) -> slots.put(index, ReplicaSlot.settle(candidates, nodes, now)));
        slots.values().forEach(slot -> {
            stop.addAll(slot.stop());
            if (slot.migrating()) migration.inFlight();
        });

        List<Integer> toReplace = new ArrayList<>();
        List<Reconciliation.Deferred> deferred = new ArrayList<>();
        int canaries = 0;
        for (int i = 0; i < job.getCount(); i++) {
            ReplicaSlot slot = slots.get(i);
            List<Allocation> old = outdated.getOrDefault(i, List.of());
            if (slot == null || slot.needsPlacement()) {
                if (!old.isEmpty()) {
                    toReplace.add(i);
                    continue;
                }
                Failure f = failures.get(i);
                int attempt = f == null ? 0 : reschedule.nextAttempt(f.allocation(), f.at());
                Instant notBefore = f == null ? now : f.at().plus(reschedule.delay(attempt));
                if (now.isBefore(notBefore)) {
                    deferred.add(new Reconciliation.Deferred(i, notBefore, attempt, AllocationProblem.describe(f.allocation())));
                } else {
                    place.add(new Reconciliation.Placement(i, avoid.getOrDefault(i, f == null ? "" : f.allocation().getNodeId()),
                            false, attempt));
                }
                continue;
            }
            if (slot.needsMigration() && migration.tryStart()) {
                // A node a replacement just failed on is worth avoiding; the draining one is ineligible anyway.
                place.add(new Reconciliation.Placement(i, avoid.getOrDefault(i, slot.drainingNode())));
            }
            Allocation successor = slot.kept();
            boolean heldCanary = successor != null && gate.holds(successor);
            if (heldCanary) canaries++;
            if (!old.isEmpty() && successor != null && !heldCanary && ReplicaHealth.healthy(successor, policy, now)) {
                old.forEach(a -> stop.add(new Reconciliation.Stop(a, a.getClientStatus(),
                        "replaced by version " + job.getVersion())));
            }
        }

        boolean stepped = false;
        if (gate.mayStep() && !toReplace.isEmpty()) {
            if (gate.canaryPhase()) {
                for (int k = 0; k < toReplace.size() && canaries < gate.canaries(); k++, canaries++) {
                    place.add(new Reconciliation.Placement(toReplace.get(k), "", true));
                    stepped = true;
                }
            } else {
                stepped = roll(job, policy, now, toReplace, slots, outdated, stop, place);
            }
        }

        Set<String> stopping = new HashSet<>();
        stop.forEach(s -> stopping.add(s.allocation().getId()));
        retag.removeIf(a -> stopping.contains(a.getId()));
        return new Reconciliation(List.copyOf(place), List.copyOf(stop), List.copyOf(retag), stepped, List.copyOf(deferred));
    }

    /** A replica that failed (or completed) {@code at}: what its replacement waits after. */
    private record Failure(Allocation allocation, Instant at) {
    }

    /**
     * Per replica index, of the job's template's allocations that are meant to run or were
     * stopped as failed (they carry {@code failed_at}), the newest, when it is a failed one: a
     * newer replica at the index ends the wait.
     */
    private static Map<Integer, Failure> lastFailures(Job job, List<Allocation> allocations) {
        Map<Integer, Allocation> newest = new HashMap<>();
        for (Allocation a : allocations) {
            if (!Templates.current(a, job)) continue;
            // Stopped for other reasons (a duplicate, a scale-down) says nothing about how the index fares.
            if (a.getDesiredStatus() != DesiredStatus.DESIRED_RUN && !a.hasFailedAt()) continue;
            newest.merge(a.getIndex(), a, (x, y) -> compareCreated(y, x) > 0 ? y : x);
        }
        Map<Integer, Failure> out = new HashMap<>();
        newest.forEach((index, a) -> {
            if (a.getDesiredStatus() == DesiredStatus.DESIRED_STOP && a.hasFailedAt()) {
                out.put(index, new Failure(a, ReschedulePolicy.instant(a.getFailedAt())));
            }
        });
        return out;
    }

    private static int compareCreated(Allocation x, Allocation y) {
        int c = Long.compare(x.getCreateTime().getSeconds(), y.getCreateTime().getSeconds());
        if (c == 0) c = Integer.compare(x.getCreateTime().getNanos(), y.getCreateTime().getNanos());
        return c != 0 ? c : x.getId().compareTo(y.getId());
    }

    /** Replaces outdated replicas within the surge and unavailability budgets; true if any was. */
    private static boolean roll(Job job, UpdatePolicy policy, Instant now, List<Integer> toReplace, Map<Integer, ReplicaSlot> slots,
                                Map<Integer, List<Allocation>> outdated, List<Reconciliation.Stop> stop,
                                List<Reconciliation.Placement> place) {
        Set<String> stopping = new HashSet<>();
        stop.forEach(s -> stopping.add(s.allocation().getId()));
        int alive = 0;
        int unavailable = 0;
        for (int i = 0; i < job.getCount(); i++) {
            // Available: an outdated replica that is ready, or a new one healthy for min_healthy_time.
            List<Allocation> old = new ArrayList<>(outdated.getOrDefault(i, List.of()));
            List<Allocation> fresh = new ArrayList<>();
            ReplicaSlot slot = slots.get(i);
            if (slot != null && slot.kept() != null) fresh.add(slot.kept());
            if (slot != null && slot.predecessor() != null) fresh.add(slot.predecessor());
            old.removeIf(a -> stopping.contains(a.getId()));
            fresh.removeIf(a -> stopping.contains(a.getId()));
            alive += old.size() + fresh.size();
            boolean available = old.stream().anyMatch(ReplicaHealth::ready)
                    || fresh.stream().anyMatch(a -> ReplicaHealth.healthy(a, policy, now));
            if (!available) unavailable++;
        }
        int surgeRoom = job.getCount() + policy.maxSurge() - alive;
        boolean stepped = false;
        for (int i : toReplace) {
            List<Allocation> old = outdated.get(i);
            boolean serving = old.stream().anyMatch(ReplicaHealth::ready);
            if (surgeRoom > 0) {
                surgeRoom--;     // the old replica serves until the new one is healthy
            } else if (!serving || unavailable < policy.maxUnavailable()) {
                if (serving) unavailable++;
                old.forEach(a -> stop.add(new Reconciliation.Stop(a, a.getClientStatus(),
                        "replaced by version " + job.getVersion())));
            } else {
                continue;
            }
            place.add(new Reconciliation.Placement(i, ""));
            stepped = true;
        }
        return stepped;
    }
}
