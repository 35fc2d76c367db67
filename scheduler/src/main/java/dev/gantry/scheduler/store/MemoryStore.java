package dev.gantry.scheduler.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store for {@code gantry dev} and fast tests, with etcd's semantics (DESIGN §3).
 *
 * <p><b>Revisions.</b> As in etcd, the store starts at revision 1 and every transaction that
 * changes something takes the next revision for all of its changes; reads, failed compares that
 * write nothing, and deletes of absent keys do not move it. Each key carries its create and mod
 * revision and a version counting its puts since creation.
 *
 * <p><b>Watches.</b> The most recent events are kept (100,000 by default, dropped a whole revision
 * at a time), so a watch can start in the recent past; a start before them fails with
 * {@link CompactedException}. Events are handed to each watch in revision order while the store
 * lock is held, and delivered on that watch's own thread, one revision per call.
 *
 * <p><b>Leases</b> expire {@code ttl} after their grant or last keep-alive, as told by the injected
 * {@link Clock}. Expired leases are revoked by a sweep every 250 ms, or at once by
 * {@link #expireLeases()}, which tests on a fake clock call instead of sleeping. Unlike etcd the
 * TTL is not rounded to whole seconds.
 *
 * <p><b>Thread-safety.</b> Every operation applies itself atomically under one lock, in the order
 * callers invoke them; its future is then completed on a store thread, never on the caller's, so
 * callbacks never run inside the lock. Values are copied in and out, so callers may not alter
 * stored state through arrays.
 */
public final class MemoryStore implements Store {
    static final int DEFAULT_MAX_HISTORY_EVENTS = 100_000;
    private static final long SWEEP_MILLIS = 250;
    private static final long FIRST_LEASE_ID = 0x7a0000L;
    private static final Logger log = LoggerFactory.getLogger(MemoryStore.class);

    private final Object lock = new Object();
    private final Clock clock;
    private final TreeMap<String, KeyValue> data = new TreeMap<>(KeyOrder.UTF8);
    private final EventHistory history;
    private final Map<Long, Lease> leases = new HashMap<>();
    private final List<Watch> watches = new ArrayList<>();
    private final ExecutorService completions = Executors.newCachedThreadPool(new DaemonThreads("gantry-memstore"));
    private final ScheduledExecutorService sweeper =
            Executors.newSingleThreadScheduledExecutor(new DaemonThreads("gantry-memstore-leases"));
    private long revision = 1;
    private long nextLeaseId = FIRST_LEASE_ID;
    private boolean closed;

    /** A store on the system clock. */
    public MemoryStore() {
        this(Clock.systemUTC());
    }

    /** A store whose leases run on {@code clock}. */
    public MemoryStore(Clock clock) {
        this(clock, DEFAULT_MAX_HISTORY_EVENTS);
    }

    MemoryStore(Clock clock, int maxHistoryEvents) {
        this.clock = clock;
        this.history = new EventHistory(maxHistoryEvents);
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletableFuture<Optional<KeyValue>> get(String key) {
        return answer(() -> {
            synchronized (lock) {
                checkOpen();
                return Optional.ofNullable(data.get(key)).map(MemoryStore::copy);
            }
        });
    }

    @Override
    public CompletableFuture<RangeResult> range(String prefix) {
        return answer(() -> {
            synchronized (lock) {
                checkOpen();
                List<KeyValue> kvs = new ArrayList<>();
                for (KeyValue kv : data.tailMap(prefix, true).values()) {
                    if (!kv.key().startsWith(prefix)) {
                        break;
                    }
                    kvs.add(copy(kv));
                }
                return new RangeResult(List.copyOf(kvs), revision);
            }
        });
    }

    @Override
    public CompletableFuture<TxnResult> txn(List<Compare> compares, List<Op> onSuccess, List<Op> onFailure) {
        return answer(() -> {
            checkNoDuplicateKeys(onSuccess);
            checkNoDuplicateKeys(onFailure);
            synchronized (lock) {
                checkOpen();
                boolean succeeded = compares.stream().allMatch(this::holds);
                List<Op> ops = succeeded ? onSuccess : onFailure;
                checkLeasesExist(ops);
                apply(ops);
                return new TxnResult(succeeded, revision);
            }
        });
    }

    @Override
    public Watcher watch(String prefix, long fromRevision, WatchListener listener) {
        WatchDelivery delivery = new WatchDelivery(listener, "gantry-memstore-watch");
        synchronized (lock) {
            checkOpen();
            if (fromRevision > 0 && fromRevision < history.firstAvailable()) {
                delivery.fail(new CompactedException("revision " + fromRevision
                        + " is compacted; history starts at " + history.firstAvailable()));
                return delivery;
            }
            Watch watch = new Watch(prefix, fromRevision > 0 ? fromRevision : revision + 1, delivery);
            for (EventHistory.Batch batch : history.since(watch.fromRevision)) {
                watch.offer(batch);
            }
            watches.add(watch);
            delivery.onEnd(() -> forget(watch));
        }
        return delivery;
    }

    @Override
    public CompletableFuture<Long> grantLease(Duration ttl) {
        return answer(() -> {
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("lease TTL must be positive: " + ttl);
            }
            synchronized (lock) {
                checkOpen();
                long id = nextLeaseId++;
                leases.put(id, new Lease(id, ttl, clock.instant().plus(ttl)));
                return id;
            }
        });
    }

    @Override
    public CompletableFuture<Void> keepAlive(long leaseId) {
        return answer(() -> {
            synchronized (lock) {
                checkOpen();
                Lease lease = leases.get(leaseId);
                Instant now = clock.instant();
                if (lease != null && !now.isBefore(lease.deadline)) {
                    // Past its deadline but not swept yet: etcd refuses to renew it too.
                    revoke(lease);
                    lease = null;
                }
                if (lease == null) {
                    throw new LeaseNotFoundException("lease " + leaseId + " not found (expired or revoked)");
                }
                lease.deadline = now.plus(lease.ttl);
                return null;
            }
        });
    }

    @Override
    public CompletableFuture<Void> revokeLease(long leaseId) {
        return answer(() -> {
            synchronized (lock) {
                checkOpen();
                Lease lease = leases.get(leaseId);
                if (lease != null) {
                    revoke(lease);
                }
                return null;
            }
        });
    }

    @Override
    public CompletableFuture<Void> ping() {
        return answer(() -> {
            synchronized (lock) {
                checkOpen();
                return null;
            }
        });
    }

    /**
     * Revokes every lease whose deadline has passed on the store's clock, each at its own
     * revision (as etcd does), earliest deadline first. The periodic sweep calls this; tests on a
     * fake clock call it after advancing the clock. Returns how many leases expired.
     */
    public int expireLeases() {
        synchronized (lock) {
            if (closed) {
                return 0;
            }
            Instant now = clock.instant();
            List<Lease> due = leases.values().stream()
                    .filter(lease -> !now.isBefore(lease.deadline))
                    .sorted(Comparator.comparing((Lease lease) -> lease.deadline).thenComparingLong(lease -> lease.id))
                    .toList();
            due.forEach(this::revoke);
            return due.size();
        }
    }

    /** Forgets history below {@code revision}, as etcd's compaction does; watches from before it fail. */
    void compact(long revision) {
        synchronized (lock) {
            history.compact(Math.min(revision, this.revision));
        }
    }

    /** Ends all watches silently; later calls fail with {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        List<Watch> open;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            open = List.copyOf(watches);
            watches.clear();
        }
        open.forEach(watch -> watch.delivery.close());
        sweeper.shutdownNow();
        completions.shutdown();
    }

    private boolean holds(Compare compare) {
        KeyValue kv = data.get(compare.key());
        return (kv == null ? 0 : kv.modRevision()) == compare.modRevision();
    }

    /** etcd refuses a branch that writes one key twice ("duplicate key given in txn request"). */
    private static void checkNoDuplicateKeys(List<Op> ops) {
        Set<String> puts = new HashSet<>();
        Set<String> deletes = new HashSet<>();
        for (Op op : ops) {
            boolean duplicate;
            if (op instanceof Op.Put) {
                duplicate = !puts.add(op.key()) || deletes.contains(op.key());
            } else {
                deletes.add(op.key());
                duplicate = puts.contains(op.key());
            }
            if (duplicate) {
                throw new IllegalArgumentException("duplicate key given in txn request: " + op.key());
            }
        }
    }

    private void checkLeasesExist(List<Op> ops) {
        for (Op op : ops) {
            if (op instanceof Op.Put put && put.lease() != 0 && !leases.containsKey(put.lease())) {
                throw new LeaseNotFoundException("lease " + put.lease() + " not found (expired or revoked)");
            }
        }
    }

    /** Applies already validated ops at the next revision; caller holds the lock. */
    private void apply(List<Op> ops) {
        long next = revision + 1;
        List<WatchEvent> events = new ArrayList<>();
        for (Op op : ops) {
            KeyValue previous = data.get(op.key());
            if (op instanceof Op.Put put) {
                KeyValue kv = previous == null
                        ? new KeyValue(put.key(), put.value().clone(), next, next, 1, put.lease())
                        : new KeyValue(put.key(), put.value().clone(), previous.createRevision(), next,
                                previous.version() + 1, put.lease());
                detachFromLease(previous);
                if (put.lease() != 0) {
                    leases.get(put.lease()).keys.add(put.key());
                }
                data.put(put.key(), kv);
                events.add(new WatchEvent(WatchEvent.Type.PUT, kv));
            } else if (previous != null) {
                detachFromLease(previous);
                data.remove(op.key());
                events.add(new WatchEvent(WatchEvent.Type.DELETE, new KeyValue(op.key(), new byte[0], 0, next, 0, 0)));
            }
        }
        if (!events.isEmpty()) {
            revision = next;
            publish(new EventHistory.Batch(next, List.copyOf(events)));
        }
    }

    private void detachFromLease(KeyValue kv) {
        if (kv != null && kv.lease() != 0) {
            Lease lease = leases.get(kv.lease());
            if (lease != null) {
                lease.keys.remove(kv.key());
            }
        }
    }

    /** Deletes the lease's keys in one revision, sorted by key as etcd does; caller holds the lock. */
    private void revoke(Lease lease) {
        leases.remove(lease.id);
        apply(lease.keys.stream().sorted(KeyOrder.UTF8).map(Op::delete).toList());
    }

    /** Caller holds the lock, so every watch sees revisions in order and none is missed. */
    private void publish(EventHistory.Batch batch) {
        history.append(batch);
        for (Watch watch : watches) {
            watch.offer(batch);
        }
    }

    private void forget(Watch watch) {
        synchronized (lock) {
            watches.remove(watch);
        }
    }

    private void sweep() {
        try {
            expireLeases();
        } catch (RuntimeException e) {
            log.warn("lease sweep failed", e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
    }

    /** Runs {@code work} now, on the caller's thread, and completes the future on a store thread. */
    private <T> CompletableFuture<T> answer(Supplier<T> work) {
        CompletableFuture<T> future = new CompletableFuture<>();
        T result;
        try {
            result = work.get();
        } catch (RuntimeException e) {
            completeLater(() -> future.completeExceptionally(e));
            return future;
        }
        completeLater(() -> future.complete(result));
        return future;
    }

    private void completeLater(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            // Closed meanwhile: no store thread is left, and the caller must still get an answer.
            completion.run();
        }
    }

    private static KeyValue copy(KeyValue kv) {
        return new KeyValue(kv.key(), kv.value().clone(), kv.createRevision(), kv.modRevision(), kv.version(), kv.lease());
    }

    /** A watch's prefix and first revision, and where its events go. */
    private record Watch(String prefix, long fromRevision, WatchDelivery delivery) {
        void offer(EventHistory.Batch batch) {
            if (batch.revision() < fromRevision) {
                return;
            }
            List<WatchEvent> matching = batch.events().stream()
                    .filter(event -> event.kv().key().startsWith(prefix))
                    .map(event -> new WatchEvent(event.type(), copy(event.kv())))
                    .toList();
            if (!matching.isEmpty()) {
                delivery.offer(matching);
            }
        }
    }

    /** A granted lease: guarded by the store lock. */
    private static final class Lease {
        final long id;
        final Duration ttl;
        final Set<String> keys = new HashSet<>();
        Instant deadline;

        Lease(long id, Duration ttl, Instant deadline) {
            this.id = id;
            this.ttl = ttl;
            this.deadline = deadline;
        }
    }
}
