package dev.gantry.agent.image;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress of one pull, told to everyone waiting for it: phase changes at once, byte counts
 * at most once per interval (a task's status line, not a progress bar). A listener that joins
 * late hears the latest state first. Thread-safe: download threads report concurrently.
 */
final class PullTracker {
  private static final Logger log = LoggerFactory.getLogger(PullTracker.class);
  private final String reference;
  private final long intervalNanos;
  private final List<Consumer<PullProgress>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong nextByteReport = new AtomicLong();
  private volatile long total;
  private volatile PullProgress.Phase phase = PullProgress.Phase.RESOLVING;
  private volatile boolean resolvingSaid;
  private PullProgress last; // guarded by this

  PullTracker(String reference, long intervalNanos) {
    this.reference = reference;
    this.intervalNanos = intervalNanos;
  }

  void subscribe(Consumer<PullProgress> listener) {
    PullProgress current;
    synchronized (this) {
      listeners.add(listener);
      current = last;
    }
    if (current != null) {
      tell(listener, current);
    }
  }

  /** Asking the registry for a manifest; said once per pull (an index and its entry are one step). */
  void resolving() {
    if (phase == PullProgress.Phase.RESOLVING && resolvingSaid) {
      return;
    }
    resolvingSaid = true;
    phase = PullProgress.Phase.RESOLVING;
    emit();
  }

  void downloading(long totalBytes) {
    total = totalBytes;
    phase = PullProgress.Phase.DOWNLOADING;
    nextByteReport.set(System.nanoTime() + intervalNanos);
    emit();
  }

  void received(long bytes) {
    done.addAndGet(bytes);
    long now = System.nanoTime();
    long next = nextByteReport.get();
    if (now - next >= 0 && nextByteReport.compareAndSet(next, now + intervalNanos)) {
      emit();
    }
  }

  void unpacking() {
    phase = PullProgress.Phase.UNPACKING;
    emit();
  }

  private synchronized void emit() {
    PullProgress p = new PullProgress(reference, phase, Math.max(0, done.get()), total);
    last = p;
    for (Consumer<PullProgress> l : listeners) {
      tell(l, p);
    }
  }

  private static void tell(Consumer<PullProgress> listener, PullProgress p) {
    try {
      listener.accept(p);
    } catch (RuntimeException e) {
      log.warn("a pull progress listener failed: {}", e.toString());
    }
  }
}
