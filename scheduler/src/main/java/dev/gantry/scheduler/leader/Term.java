package dev.gantry.scheduler.leader;

import java.time.Instant;

/**
 * One stretch of leadership: the lease the leader key is bound to, the revision at which this
 * replica wrote the key (the fencing token: any later write to the key, including its
 * deletion when the lease ends, changes it), and when the last successful keep-alive was
 * <em>asked for</em>. The store counts the lease from when it received that keep-alive, which
 * is later, so {@code renewedAt + ttl} never outlives the store's own deadline.
 */
record Term(long lease, long revision, Instant renewedAt) {

    Term renewed(Instant askedAt) {
        return new Term(lease, revision, askedAt);
    }
}
