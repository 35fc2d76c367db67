package dev.gantry.api.desired;

import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.SchedulerMessage;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node's desired allocation set as its agent rebuilds it from one Connect stream: a whole set
 * ({@code desired}) replaces it, {@code changes} edit it. The scheduler side makes the changes
 * with {@link #diff}; applying {@code diff(a, b)} to {@code a} yields {@code b}'s assignments.
 * Order: as first sent, a new allocation at the end (order carries no meaning). One instance per
 * stream, used by the thread that receives it.
 */
public final class DesiredSet {
    /** The feature an agent announces (AgentMessage.features) to be sent changes rather than whole sets. */
    public static final String FEATURE = "desired-changes";

    private final Map<String, Assignment> byId = new LinkedHashMap<>();
    private boolean based;

    /**
     * Applies a {@code desired} or {@code changes} message and returns the whole set after it.
     * Changes before any whole set on the stream are a protocol error (IllegalStateException):
     * there is nothing they could be applied to.
     */
    public DesiredAllocations apply(SchedulerMessage m) {
        return switch (m.getBodyCase()) {
            case DESIRED -> replace(m.getDesired());
            case CHANGES -> change(m.getChanges());
            default -> throw new IllegalArgumentException("not a desired-set message: " + m.getBodyCase());
        };
    }

    public DesiredAllocations replace(DesiredAllocations whole) {
        byId.clear();
        for (Assignment a : whole.getAssignmentsList()) byId.put(a.getAllocation().getId(), a);
        based = true;
        return current();
    }

    public DesiredAllocations change(DesiredChanges changes) {
        if (!based) throw new IllegalStateException("desired-set changes arrived before a whole set on this stream");
        for (String id : changes.getRemovedList()) byId.remove(id);
        for (Assignment a : changes.getUpsertedList()) byId.put(a.getAllocation().getId(), a);
        return current();
    }

    public DesiredAllocations current() {
        return DesiredAllocations.newBuilder().addAllAssignments(byId.values()).build();
    }

    /**
     * What turns {@code before} into {@code after}: the assignments of {@code after} that are new or
     * differ, and the ids that {@code before} has and {@code after} lacks. An assignment that is the
     * same object in both is not compared further (the scheduler reuses unchanged ones), so a round
     * in which one allocation of many changed costs little. Empty when both hold the same set.
     */
    public static DesiredChanges diff(DesiredAllocations before, DesiredAllocations after) {
        Map<String, Assignment> old = new HashMap<>(before.getAssignmentsCount() * 2);
        for (Assignment a : before.getAssignmentsList()) old.put(a.getAllocation().getId(), a);
        DesiredChanges.Builder changes = DesiredChanges.newBuilder();
        for (Assignment a : after.getAssignmentsList()) {
            Assignment was = old.remove(a.getAllocation().getId());
            if (was != a && !a.equals(was)) changes.addUpserted(a);
        }
        // What is left was not listed again: removed, in before's order so the message is deterministic.
        for (Assignment a : before.getAssignmentsList()) {
            if (old.containsKey(a.getAllocation().getId())) changes.addRemoved(a.getAllocation().getId());
        }
        return changes.build();
    }

    public static boolean isEmpty(DesiredChanges changes) {
        return changes.getUpsertedCount() == 0 && changes.getRemovedCount() == 0;
    }
}
