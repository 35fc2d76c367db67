package dev.gantry.scheduler.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * The recent past of a {@link MemoryStore}: the events of each revision, oldest first, bounded by
 * their total number. Dropping the oldest revisions is the embedded store's compaction: watches
 * from before {@link #firstAvailable()} can no longer be served. Not thread-safe: the store's lock
 * guards it.
 */
final class EventHistory {

    /** The events one transaction made, all at {@code revision}, in the order of its ops. */
    record Batch(long revision, List<WatchEvent> events) {
    }

    private final Deque<Batch> batches = new ArrayDeque<>();
    private final int maxEvents;
    private int events;
    private long firstAvailable = 1;

    EventHistory(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be positive: " + maxEvents);
        }
        this.maxEvents = maxEvents;
    }

    void append(Batch batch) {
        batches.addLast(batch);
        events += batch.events().size();
        while (events > maxEvents) {
            dropOldest();
        }
    }

    /** Forgets every revision below {@code revision}. */
    void compact(long revision) {
        while (!batches.isEmpty() && batches.peekFirst().revision() < revision) {
            dropOldest();
        }
        firstAvailable = Math.max(firstAvailable, revision);
    }

    /** The lowest revision from which the history is complete. */
    long firstAvailable() {
        return firstAvailable;
    }

    /** Every batch at {@code revision} or later, oldest first; the caller checked {@link #firstAvailable()}. */
    List<Batch> since(long revision) {
        List<Batch> result = new ArrayList<>();
        var it = batches.descendingIterator();
        while (it.hasNext()) {
            Batch batch = it.next();
            if (batch.revision() < revision) {
                break;
            }
            result.add(batch);
        }
        Collections.reverse(result);
        return result;
    }

    private void dropOldest() {
        Batch dropped = batches.removeFirst();
        events -= dropped.events().size();
        firstAvailable = Math.max(firstAvailable, dropped.revision() + 1);
    }
}
