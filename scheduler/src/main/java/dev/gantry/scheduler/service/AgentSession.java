package dev.gantry.scheduler.service;

import dev.gantry.api.v1.DesiredChanges;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.Secret;
import dev.gantry.api.v1.ServiceCatalogUpdate;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import io.grpc.stub.StreamObserver;

import java.util.Map;

/**
 * One connected agent: its stream (not thread-safe, hence synchronized) and what it was last sent.
 * The first desired set on a stream is whole; after it, an agent that accepts changes gets only
 * what changed (a node with hundreds of allocations is not sent all of them again when one does).
 */
final class AgentSession {
    private final String nodeId;
    private final StreamObserver<SchedulerMessage> out;
    private final boolean acceptsChanges;
    private final boolean wantsServices;
    private boolean sentWhole;
    private boolean sentServices;
    /** The set the agent has (last sent whole or as changes) and what it was built from; the pushing thread's only. */
    private final DesiredAssignments.Memo memo = new DesiredAssignments.Memo();

    AgentSession(String nodeId, StreamObserver<SchedulerMessage> out, boolean acceptsChanges, boolean wantsServices) {
        this.nodeId = nodeId;
        this.out = out;
        this.acceptsChanges = acceptsChanges;
        this.wantsServices = wantsServices;
    }

    boolean wantsServices() {
        return wantsServices;
    }

    /**
     * Sends the service catalog: {@code whole} the first time on this stream, then {@code changes}
     * when there are any. Pusher thread only; synchronized for the stream.
     */
    synchronized void pushServices(ServiceCatalogUpdate changes, java.util.function.Supplier<ServiceCatalogUpdate> whole) {
        if (!sentServices) {
            out.onNext(SchedulerMessage.newBuilder().setServices(whole.get()).build());
            sentServices = true;
        } else if (changes.getUpsertedCount() > 0 || changes.getRemovedCount() > 0) {
            out.onNext(SchedulerMessage.newBuilder().setServices(changes).build());
        }
    }

    String nodeId() {
        return nodeId;
    }

    synchronized void send(SchedulerMessage m) {
        out.onNext(m);
    }

    /**
     * Sends the node's share of {@code snapshot} if it differs from what the agent has: whole the
     * first time on the stream and to an agent that takes only whole sets, else as changes.
     * Pusher thread only (the memo is that thread's); synchronized for the stream.
     */
    synchronized void push(Snapshot snapshot, Map<String, Versioned<Secret>> secrets) {
        DesiredChanges changes = DesiredAssignments.changesForNode(snapshot, nodeId, secrets, memo);
        if (sentWhole && changes.getUpsertedCount() == 0 && changes.getRemovedCount() == 0) return;
        out.onNext(acceptsChanges && sentWhole ? SchedulerMessage.newBuilder().setChanges(changes).build()
                : SchedulerMessage.newBuilder().setDesired(DesiredAssignments.whole(memo)).build());
        sentWhole = true;
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
