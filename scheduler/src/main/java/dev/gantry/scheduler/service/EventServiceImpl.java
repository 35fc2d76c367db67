package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Event;
import dev.gantry.api.v1.EventServiceGrpc;
import dev.gantry.api.v1.EventsRequest;
import dev.gantry.scheduler.events.EventFilter;
import dev.gantry.scheduler.state.ClusterState;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.time.Clock;
import java.util.List;

/** The live event stream (`gantry events`), served by every replica from its own state cache. */
public final class EventServiceImpl extends EventServiceGrpc.EventServiceImplBase {
    private final EventStreams streams;

    public EventServiceImpl(ClusterState state, Clock clock) {
        this.streams = new EventStreams(state, clock);
    }

    @Override
    public void events(EventsRequest request, StreamObserver<Event> out) {
        streams.open(EventFilter.of(request), (ServerCallStreamObserver<Event>) out);
    }

    /** Sends an audit record to the open streams as an {@code audit.call} event. */
    public void publishAudit(dev.gantry.api.v1.AuditRecord r) {
        streams.publish(List.of(Event.newBuilder().setTime(r.getTime()).setKind("audit.call").setNamespace(r.getNamespace())
                .setMessage(r.getCaller() + " " + r.getMethod() + " -> " + r.getResult()
                        + (r.getMessage().isEmpty() ? "" : ": " + r.getMessage())).build()));
    }

    /** Ends the open streams (the server is shutting down; clients fail over). */
    public void close() {
        streams.close();
    }

    /** Open streams (for tests). */
    public int openStreams() {
        return streams.count();
    }
}
