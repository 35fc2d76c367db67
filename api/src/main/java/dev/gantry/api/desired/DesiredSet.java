package dev.gantry.api.desired;

import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.SchedulerMessage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node's desired allocation set as its agent rebuilds it from one Connect stream: a whole set
 * ({@code desired}) replaces it, {@code changes} edit it (upserted assignments replace those with
 * the same allocation id or are added; removed ids leave). Order: as first sent, a new
 * allocation at the end (order carries no meaning). One instance per stream, used by the thread
 * that receives it.
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
}
