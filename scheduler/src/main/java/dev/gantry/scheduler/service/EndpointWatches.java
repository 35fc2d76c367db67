package dev.gantry.scheduler.service;

import dev.gantry.api.v1.EndpointsResponse;
import dev.gantry.scheduler.state.ClusterState;
import io.grpc.stub.ServerCallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open WatchEndpoints streams. One state listener serves them all (ClusterState cannot
 * remove listeners, and a stream must be forgotten when its client cancels). After every
 * state change each stream gets the whole list again, but only when it differs from what it
 * last got. Thread-safe; each stream's sends are serialised on the stream.
 */
final class EndpointWatches {
    private static final Logger log = LoggerFactory.getLogger(EndpointWatches.class);

    private final ClusterState state;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

    EndpointWatches(ClusterState state) {
        this.state = state;
        state.addListener(this::onStateChange);
    }

    /** Sends the current list, then follows changes until the client cancels. */
    void open(String namespace, String job, ServerCallStreamObserver<EndpointsResponse> out) {
        Watch w = new Watch(namespace, job, out);
        out.setOnCancelHandler(() -> watches.remove(w));
        watches.add(w);
        w.sendIfChanged(EndpointCatalog.of(state.snapshot(), namespace, job));
    }

    int count() {
        return watches.size();
    }

    private void onStateChange() {
        if (watches.isEmpty()) return;
        var snapshot = state.snapshot();
        for (Watch w : watches) {
            w.sendIfChanged(EndpointCatalog.of(snapshot, w.namespace, w.job));
        }
    }

    private final class Watch {
        final String namespace;
        final String job;
        final ServerCallStreamObserver<EndpointsResponse> out;
        private EndpointsResponse last;

        Watch(String namespace, String job, ServerCallStreamObserver<EndpointsResponse> out) {
            this.namespace = namespace;
            this.job = job;
            this.out = out;
        }

        synchronized void sendIfChanged(EndpointsResponse current) {
            if (current.equals(last) || out.isCancelled()) return;
            last = current;
            try {
                out.onNext(current);
            } catch (RuntimeException e) {
                // The call is gone (cancelled between the check and the send): forget it.
                log.debug("endpoints watch ended: {}", e.toString());
                watches.remove(this);
            }
        }
    }
}
