package dev.gantry.scheduler.reconcile;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps {@code count} live allocations of a job, one per replica index (after Nomad's
 * AllocReconciler, reduced to what a service job needs today). A pure function: the same
 * inputs give the same decisions, and applying them then reconciling again gives nothing to
 * do (idempotent). The current time is an input, for drain deadlines.
 *
 * <p>Rules, in order: a stopped job stops everything; an allocation whose node is down or
 * unknown is lost and replaced; one that gave up under its restart policy is stopped and
 * replaced elsewhere if possible; one of an older job version is replaced (a destructive
 * update until rollouts exist); indexes at or above {@code count} are stopped. What is left
 * is settled per replica index by {@link ReplicaSlot}: a duplicate keeps the oldest, and a
 * replica on a draining node migrates (see {@link Migration}).
 */
public final class Reconciler {

    private Reconciler() {
    }

    public static Reconciliation reconcile(Job job, List<Allocation> allocations, Map<String, Node> nodes, Instant now) {
        List<Reconciliation.Stop> stop = new ArrayList<>();
        Map<Integer, List<Allocation>> byIndex = new TreeMap<>();
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
            } else if (a.getClientStatus() == ClientStatus.CLIENT_FAILED) {
                stop.add(new Reconciliation.Stop(a, a.getClientStatus(), "failed; rescheduling"));
                avoid.put(a.getIndex(), a.getNodeId());
            } else if (a.getJobVersion() != job.getVersion()) {
                stop.add(new Reconciliation.Stop(a, a.getClientStatus(), "replaced by job version " + job.getVersion()));
            } else if (a.getIndex() >= job.getCount()) {
                stop.add(new Reconciliation.Stop(a, a.getClientStatus(), "scaled down"));
            } else {
                byIndex.computeIfAbsent(a.getIndex(), i -> new ArrayList<>()).add(a);
            }
        }

        List<Reconciliation.Placement> place = new ArrayList<>();
        if (job == null || job.getStopped()) return new Reconciliation(List.of(), List.copyOf(stop));

        Migration migration = new Migration(Migration.MAX_PARALLEL);
        Map<Integer, ReplicaSlot> slots = new TreeMap<>();
        byIndex.forEach((index, candidates) -> slots.put(index, ReplicaSlot.settle(candidates, nodes, now)));
        slots.values().forEach(slot -> {
            stop.addAll(slot.stop());
            if (slot.migrating()) migration.inFlight();
        });
        for (int i = 0; i < job.getCount(); i++) {
            ReplicaSlot slot = slots.get(i);
            if (slot == null || slot.needsPlacement()) {
                place.add(new Reconciliation.Placement(i, avoid.getOrDefault(i, "")));
            } else if (slot.needsMigration() && migration.tryStart()) {
                // A node a replacement just failed on is worth avoiding; the draining one is ineligible anyway.
                place.add(new Reconciliation.Placement(i, avoid.getOrDefault(i, slot.drainingNode())));
            }
        }
        return new Reconciliation(List.copyOf(place), List.copyOf(stop));
    }
}
