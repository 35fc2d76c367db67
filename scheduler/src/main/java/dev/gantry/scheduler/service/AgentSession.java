package dev.gantry.scheduler.service;

import dev.gantry.api.v1.DesiredAllocations;
import dev.gantry.api.v1.SchedulerMessage;
import io.grpc.stub.StreamObserver;

/** One connected agent: its stream (not thread-safe, hence synchronized) and what it was last sent. */
final class AgentSession {
    private final String nodeId;
    private final StreamObserver<SchedulerMessage> out;
    private DesiredAllocations lastSent;
    /** What the last desired set was built from, for building the next one; the pushing thread's only. */
    private final DesiredAssignments.Memo memo = new DesiredAssignments.Memo();

    AgentSession(String nodeId, StreamObserver<SchedulerMessage> out) {
        this.nodeId = nodeId;
        this.out = out;
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
        if (desired.equals(lastSent)) return;
        out.onNext(SchedulerMessage.newBuilder().setDesired(desired).build());
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
