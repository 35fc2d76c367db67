package dev.gantry.scheduler.store;

import java.util.List;

/** Receives watch events in revision order, on one thread at a time per watch. */
public interface WatchListener {
    void onEvents(List<WatchEvent> events);

    void onError(Throwable error);
}
