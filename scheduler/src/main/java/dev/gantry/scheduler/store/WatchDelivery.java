package dev.gantry.scheduler.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch's hand-over to its listener, on a thread of its own: batches reach the listener in
 * the order they were offered, one call at a time, never on the thread that offered them (which
 * may hold a store lock or be a network event loop).
 *
 * <p>The watch ends exactly once: by {@link #close()} (nothing more is delivered; a call already
 * running finishes), by {@link #fail} (batches offered earlier are still delivered, then
 * {@code onError}), or when the listener throws (the watch fails with what it threw, since the
 * listener's view may now be incomplete and it should re-read). Thread-safe.
 */
final class WatchDelivery implements Watcher {
    private static final Logger log = LoggerFactory.getLogger(WatchDelivery.class);

    private final WatchListener listener;
    private final ExecutorService thread;
    private final List<Runnable> endActions = new ArrayList<>();
    /** False once the watch ended: later offers are dropped. */
    private boolean accepting = true;
    /** True once close() ran or the listener threw: queued batches are dropped too. */
    private volatile boolean silenced;

    WatchDelivery(WatchListener listener, String threadName) {
        this.listener = listener;
        this.thread = Executors.newSingleThreadExecutor(new DaemonThreads(threadName));
    }

    /** Runs {@code action} once when the watch ends, or now if it already has. */
    void onEnd(Runnable action) {
        synchronized (this) {
            if (accepting) {
                endActions.add(action);
                return;
            }
        }
        action.run();
    }

    synchronized boolean isOpen() {
        return accepting;
    }

    void offer(List<WatchEvent> batch) {
        synchronized (this) {
            if (!accepting) {
                return;
            }
            submit(() -> deliver(batch));
        }
    }

    /** Ends the watch with {@code error}, after the batches already offered. */
    void fail(Throwable error) {
        synchronized (this) {
            if (!accepting) {
                return;
            }
            submit(() -> {
                if (!silenced) {
                    notifyError(error);
                }
            });
        }
        end();
    }

    @Override
    public void close() {
        silenced = true;
        end();
    }

    private void deliver(List<WatchEvent> batch) {
        if (silenced) {
            return;
        }
        try {
            listener.onEvents(batch);
        } catch (RuntimeException | Error e) {
            silenced = true;
            log.warn("watch listener failed; ending the watch", e);
            notifyError(e);
            end();
        }
    }

    private void notifyError(Throwable error) {
        try {
            listener.onError(error);
        } catch (RuntimeException e) {
            log.warn("watch listener's onError failed", e);
        }
    }

    /** Caller holds this object's monitor. */
    private void submit(Runnable task) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            // The watch ended concurrently; nothing is owed to the listener any more.
        }
    }

    private void end() {
        List<Runnable> actions;
        synchronized (this) {
            if (!accepting) {
                return;
            }
            accepting = false;
            thread.shutdown();
            actions = List.copyOf(endActions);
            endActions.clear();
        }
        actions.forEach(Runnable::run);
    }
}
