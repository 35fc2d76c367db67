package dev.gantry.bench;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.gantry.api.v1.Assignment;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredStatus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a simulated agent counts in a desired set or in changes to it, read straight from the
 * encoded {@code SchedulerMessage}: each (new or changed) assignment's allocation id and whether
 * it should run. The jobs, removed ids and everything else are skipped without being parsed (see
 * {@link SimulatedAgents}). Field numbers are those of services.proto and model.proto; the
 * assignments are field 1 of both DesiredAllocations and DesiredChanges.
 */
final class DesiredIds {
    private static final int SCHEDULER_MESSAGE_DESIRED = 2;
    private static final int SCHEDULER_MESSAGE_CHANGES = 3;
    private static final int DESIRED_ASSIGNMENTS = 1;
    private static final int ASSIGNMENT_ALLOCATION = 1;
    private static final int ALLOCATION_ID = 1;
    private static final int ALLOCATION_DESIRED_STATUS = 7;

    /** One assignment: its allocation's id, and whether its desired status is run. */
    record Entry(String id, boolean run) {
    }

    private DesiredIds() {
    }

    private static boolean isSetField(int tag) {
        int field = WireFormat.getTagFieldNumber(tag);
        return field == SCHEDULER_MESSAGE_DESIRED || field == SCHEDULER_MESSAGE_CHANGES;
    }

    /** Whether the encoded SchedulerMessage carries a desired set or changes to it. */
    static boolean isDesired(byte[] message) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (isSetField(tag)) return true;
            in.skipField(tag);
        }
        return false;
    }

    /** The entries of the desired set (or the upserted ones of changes) in an encoded SchedulerMessage, in order. */
    static List<Entry> of(byte[] message) throws IOException {
        List<Entry> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(message);
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (!isSetField(tag)) {
                in.skipField(tag);
                continue;
            }
            int desiredEnd = in.pushLimit(in.readRawVarint32());
            while ((tag = in.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(tag) == DESIRED_ASSIGNMENTS) out.add(assignment(in));
                else in.skipField(tag);
            }
            in.popLimit(desiredEnd);
        }
        return out;
    }

    /** The same from a parsed set (agents that report parse it whole anyway). */
    static List<Entry> of(DesiredAllocations desired) {
        List<Entry> out = new ArrayList<>(desired.getAssignmentsCount());
        for (Assignment a : desired.getAssignmentsList()) {
            out.add(new Entry(a.getAllocation().getId(), a.getAllocation().getDesiredStatus() == DesiredStatus.DESIRED_RUN));
        }
        return out;
    }

    private static Entry assignment(CodedInputStream in) throws IOException {
        int end = in.pushLimit(in.readRawVarint32());
        String id = "";
        int status = 0;
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (WireFormat.getTagFieldNumber(tag) != ASSIGNMENT_ALLOCATION) {
                in.skipField(tag);
                continue;
            }
            int allocationEnd = in.pushLimit(in.readRawVarint32());
            while ((tag = in.readTag()) != 0) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case ALLOCATION_ID -> id = in.readStringRequireUtf8();
                    case ALLOCATION_DESIRED_STATUS -> status = in.readEnum();
                    default -> in.skipField(tag);
                }
            }
            in.popLimit(allocationEnd);
        }
        in.popLimit(end);
        return new Entry(id, status == DesiredStatus.DESIRED_RUN_VALUE);
    }
}
