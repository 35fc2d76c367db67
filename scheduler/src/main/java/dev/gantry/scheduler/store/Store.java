package dev.gantry.scheduler.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The scheduler's only port to durable state (DESIGN §3): a revisioned key-value store with
 * compare-and-swap transactions, prefix watches and leases, as etcd offers them. Keys are
 * strings, values opaque bytes. Every revision is store-wide and increases with each write.
 * Implementations are thread-safe; futures complete on a store thread, so callers must not
 * block in their callbacks.
 */
public interface Store extends AutoCloseable {

    CompletableFuture<Optional<KeyValue>> get(String key);

    /** Every key that starts with {@code prefix}, sorted by key, read at one revision. */
    CompletableFuture<RangeResult> range(String prefix);

    /**
     * Applies {@code onSuccess} if every compare holds, else {@code onFailure}, atomically.
     * The result says which branch ran and the store revision after it.
     */
    CompletableFuture<TxnResult> txn(List<Compare> compares, List<Op> onSuccess, List<Op> onFailure);

    /**
     * Delivers, in revision order, every change to keys under {@code prefix} with a revision
     * {@code >= fromRevision} (0: only changes from now on). Events of one transaction arrive
     * together. If history before {@code fromRevision} was compacted, the listener's
     * {@code onError} gets a {@link CompactedException} and the watch ends.
     */
    Watcher watch(String prefix, long fromRevision, WatchListener listener);

    /** A lease that expires {@code ttl} after its last keep-alive; its keys are deleted then. */
    CompletableFuture<Long> grantLease(Duration ttl);

    /** Renews the lease; fails with {@link LeaseNotFoundException} if it has expired. */
    CompletableFuture<Void> keepAlive(long leaseId);

    /** Ends the lease now and deletes its keys. Idempotent. */
    CompletableFuture<Void> revokeLease(long leaseId);

    /**
     * A cheap health probe for readiness checks: completes when the store answers a read that
     * needs a working cluster (for etcd: a quorum read), fails otherwise. Reads no real key.
     */
    default CompletableFuture<Void> ping() {
        return get("\u0000gantry-health-probe").thenApply(ignored -> null);
    }

    @Override
    void close();
}
