package dev.gantry.scheduler.service;

import dev.gantry.api.desired.DesiredSet;
import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.SchedulerMessage;
import io.grpc.stub.StreamObserver;

/**
 * One connected agent: its stream (not thread-safe, hence synchronized) and what it was last sent.
 * The first desired set on a stream is whole; after it, an agent that accepts changes gets only
 * what changed (a node with hundreds of allocations is not sent all of them again when one does).
 */
final class AgentSession {
    private final String nodeId;
    private final StreamObserver<SchedulerMessage> out;
    private final boolean acceptsChanges;
    private DesiredAllocations lastSent;
    /** What the last desired set was built from, for building the next one; the pushing thread's only. */
    private final DesiredAssignments.Memo memo = new DesiredAssignments.Memo();

    AgentSession(String nodeId, StreamObserver<SchedulerMessage> out, boolean acceptsChanges) {
        this.nodeId = nodeId;
        this.out = out;
        this.acceptsChanges = acceptsChanges;
    }

    String nodeId() {
        return nodeId;
    }

    DesiredAssignments.Memo memo() {
        return memo;
    }

    synchronized void send(SchedulerMessage m) {
        out.onNext(m);
    }

    synchronized void pushIfChanged(DesiredAllocations desired) {
        if (acceptsChanges && lastSent != null) {
            DesiredChanges changes = DesiredSet.diff(lastSent, desired);
            if (!DesiredSet.isEmpty(changes)) out.onNext(SchedulerMessage.newBuilder().setChanges(changes).build());
        } else if (!desired.equals(lastSent)) {
            out.onNext(SchedulerMessage.newBuilder().setDesired(desired).build());
        } else {
            return;
        }
        lastSent = desired;
    }

    /** Ends the stream with an error the agent acts on (for example: go to another scheduler). */
    synchronized void fail(Throwable error) {
        try {
            out.onError(error);
        } catch (RuntimeException ignored) {
            // the stream is already gone
        }
    }

    synchronized void close() {
        try {
            out.onCompleted();
        } catch (RuntimeException ignored) {
            // the stream is already gone
        }
    }
}
