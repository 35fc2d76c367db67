package dev.gantry.scheduler.service;

import dev.gantry.api.v1.Event;
import dev.gantry.scheduler.events.EventDiff;
import dev.gantry.scheduler.events.EventFilter;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Snapshot;
import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open Events streams, fed like {@link EndpointWatches}: one state listener diffs the snapshot
 * it last saw against the new one ({@link EventDiff}, O(changes)) and hands every stream the
 * events that match its filter. The diff runs only while a stream is open; otherwise the
 * listener just keeps the latest snapshot (O(1)). Events are sent under this object's lock, so
 * every stream gets them in the order the cache applied the changes.
 */
final class EventStreams {
    private static final Logger log = LoggerFactory.getLogger(EventStreams.class);

    private final ClusterState state;
    private final Clock clock;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private Snapshot last; // guarded by this

    EventStreams(ClusterState state, Clock clock) {
        this.state = state;
        this.clock = clock;
        this.last = state.snapshot();
        state.addListener(this::onStateChange);
    }

    /** Follows changes from now on until the client cancels; nothing is replayed. */
    void open(EventFilter filter, ServerCallStreamObserver<Event> out) {
        Stream s = new Stream(filter, out);
        out.setOnCancelHandler(() -> streams.remove(s));
        streams.add(s);
    }

    int count() {
        return streams.size();
    }

    /** Ends every open stream as unavailable, so that clients move to another replica at once. */
    synchronized void close() {
        for (Stream s : streams) {
            streams.remove(s);
            try {
                s.out.onError(io.grpc.Status.UNAVAILABLE.withDescription("scheduler shutting down").asRuntimeException());
            } catch (RuntimeException e) {
                log.debug("event stream already ended: {}", e.toString());
            }
        }
    }

    /** Hands {@code events} (not derived from state, such as audit records) to every open stream. */
    synchronized void publish(List<Event> events) {
        for (Stream s : streams) s.send(events);
    }

    private synchronized void onStateChange() {
        Snapshot now = state.snapshot();
        Snapshot before = last;
        last = now;
        if (streams.isEmpty() || now.revision() == before.revision()) return;
        List<Event> events = EventDiff.between(before, now, clock.instant());
        if (events.isEmpty()) return;
        for (Stream s : streams) s.send(events);
    }

    private final class Stream {
        final EventFilter filter;
        final ServerCallStreamObserver<Event> out;

        Stream(EventFilter filter, ServerCallStreamObserver<Event> out) {
            this.filter = filter;
            this.out = out;
        }

        void send(List<Event> events) {
            try {
                for (Event e : events) {
                    if (out.isCancelled()) {
                        streams.remove(this);
                        return;
                    }
                    if (filter.matches(e)) out.onNext(e);
                }
            } catch (RuntimeException e) {
                // The call is gone (cancelled between the check and the send): forget it.
                log.debug("event stream ended: {}", e.toString());
                streams.remove(this);
            }
        }
    }
}
