package dev.gantry.scheduler.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A watch listener that records each delivery, and the threads it was called on, for assertions. */
final class RecordingListener implements WatchListener {
    static final Duration WAIT = Duration.ofSeconds(10);

    private final BlockingQueue<List<WatchEvent>> batches = new LinkedBlockingQueue<>();
    private final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    @Override
    public void onEvents(List<WatchEvent> events) {
        threads.add(Thread.currentThread());
        batches.add(events);
    }

    @Override
    public void onError(Throwable error) {
        threads.add(Thread.currentThread());
        errors.add(error);
    }

    /** The next delivered batch (one revision's events); fails after {@link #WAIT}. */
    List<WatchEvent> nextBatch() throws InterruptedException {
        List<WatchEvent> batch = batches.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (batch == null) {
            fail("no watch events within " + WAIT + (errors.isEmpty() ? "" : "; errors: " + errors));
        }
        return batch;
    }

    Throwable nextError() throws InterruptedException {
        Throwable error = errors.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (error == null) {
            fail("no watch error within " + WAIT + "; batches: " + batches);
        }
        return error;
    }

    void assertQuietFor(Duration duration) throws InterruptedException {
        List<WatchEvent> batch = batches.poll(duration.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(batch).as("events after the watch should have stopped").isNull();
        assertThat(errors).isEmpty();
    }
}
