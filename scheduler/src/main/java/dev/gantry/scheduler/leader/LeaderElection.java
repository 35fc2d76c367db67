package dev.gantry.scheduler.leader;

import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;
import dev.gantry.scheduler.store.WatchEvent;
import dev.gantry.scheduler.store.WatchListener;
import dev.gantry.scheduler.store.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Elects one leader among scheduler replicas through the store, as etcd's election recipe
 * does: the leader is whoever wrote the leader key, bound to its lease, while the key was
 * absent. The leader renews the lease every third of its TTL; a failed renewal (lease gone,
 * store unreachable, or no renewal within a TTL, e.g. after a long pause) ends the term at
 * once, and the replica campaigns again. Standbys campaign on every tick and, through a
 * watch, as soon as the key is deleted. {@link #resign()} revokes the lease so that a clean
 * shutdown hands over without waiting for the TTL.
 *
 * <p>Leadership alone guards nothing: a paused leader can wake up believing it still leads.
 * Every decision write therefore carries {@link #fence()}, a compare on the revision at which
 * this replica wrote the key; once the lease has ended the key is gone or rewritten, and the
 * write fails in the store.
 *
 * <p>Thread-safe. The steps ({@link #campaign()}, {@link #renew()}) are blocking and
 * serialized; {@link #start()} runs them on one daemon thread, tests call them directly on a
 * fake clock.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);
    /** Matches no real revision, so the fence of a replica that never led always fails. */
    private static final long NO_TOKEN = -1;
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);
    public static final Duration MIN_TTL = Duration.ofSeconds(2);
    private final java.util.concurrent.CountDownLatch firstTick = new java.util.concurrent.CountDownLatch(1);

    private final Store store;
    private final String key;
    private final String candidate;
    private final Duration ttl;
    private final Clock clock;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gantry-leader");
        t.setDaemon(true);
        return t;
    });
    private volatile Term term;
    private volatile long lastToken = NO_TOKEN;
    private volatile String leader;
    private volatile boolean closed;
    private volatile Watcher watcher;

    /** {@code candidate}: what the key holds while this replica leads, e.g. {@code id@host:port}. */
    public LeaderElection(Store store, String key, String candidate, Duration ttl, Clock clock) {
        if (ttl.compareTo(MIN_TTL) < 0) {
            throw new IllegalArgumentException("leader TTL must be at least " + MIN_TTL.toSeconds() + "s, got " + ttl);
        }
        this.store = store;
        this.key = key;
        this.candidate = candidate;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** Renewals (and standby campaigns) run every third of the TTL: two may fail before the lease ends. */
    static Duration tickInterval(Duration ttl) {
        return ttl.dividedBy(3);
    }

    /** Called (on the election thread) whenever this replica gains or loses leadership; must not block. */
    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    public void start() {
        executor.execute(this::watch);
        executor.scheduleWithFixedDelay(this::tickSafely, 0, tickInterval(ttl).toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * True while this replica holds a term whose lease it renewed less than a TTL ago by its own
     * clock. Advisory: writes must still carry {@link #fence()}.
     */
    public boolean isLeader() {
        Term t = term;
        return t != null && !closed && clock.instant().isBefore(t.renewedAt().plus(ttl));
    }

    /** The last leader this replica saw (the key's value, {@code id@address}), itself included. */
    public Optional<String> leaderId() {
        return Optional.ofNullable(leader);
    }

    /** The revision at which this replica last wrote the leader key; -1 if it never led. */
    public long fencingToken() {
        return lastToken;
    }

    /**
     * The compares that a decision write must add: they hold only while the leader key is still
     * the one this replica wrote. Never empty, and failing for a replica that never led.
     */
    public List<Compare> fence() {
        return List.of(Compare.modRevision(key, lastToken));
    }

    /** One step of the state machine: renew while leading; campaign when not (or no longer). */
    synchronized void tick() throws Exception {
        if (term != null) renew();
        if (term == null) campaign();
    }

    private void tickSafely() {
        try {
            tick();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("leader campaign failed: {}; retrying", e.toString());
        } finally {
            firstTick.countDown();
        }
    }

    /**
     * Waits until the first campaign after {@link #start()} has run (won or lost), so that a
     * lone replica serves as leader from its first request. Returns whether it leads.
     */
    public boolean awaitFirstCampaign(Duration limit) throws InterruptedException {
        firstTick.await(limit.toMillis(), TimeUnit.MILLISECONDS);
        return isLeader();
    }

    /** Tries once to become leader; returns whether this replica leads afterwards. Blocking. */
    synchronized boolean campaign() throws Exception {
        if (closed) return false;
        if (term != null) return true;
        Optional<KeyValue> current = await(store.get(key));
        if (current.isPresent()) {
            leader = text(current.get());
            return false;
        }
        Instant asked = clock.instant();
        long lease = await(store.grantLease(ttl));
        TxnResult r;
        try {
            r = await(store.txn(List.of(Compare.absent(key)),
                    List.of(Op.put(key, candidate.getBytes(StandardCharsets.UTF_8), lease)), List.of()));
        } catch (Exception e) {
            // The put may have landed; revoking the lease deletes it again, so no one waits a TTL.
            revokeQuietly(lease);
            throw e;
        }
        if (!r.succeeded()) {
            revokeQuietly(lease);
            await(store.get(key)).ifPresent(kv -> leader = text(kv));
            return false;
        }
        // A txn with one put: the revision after it is the key's mod (and create) revision.
        term = new Term(lease, r.revision(), asked);
        lastToken = r.revision();
        leader = candidate;
        log.info("this replica ({}) is now the leader (lease {}, fencing revision {})", candidate, lease, r.revision());
        notifyListeners();
        return true;
    }

    /** Renews the lease once; on any failure the term ends here. Returns whether this replica still leads. */
    synchronized boolean renew() throws InterruptedException {
        Term t = term;
        if (t == null) return false;
        if (!clock.instant().isBefore(t.renewedAt().plus(ttl))) {
            // Paused or starved past the TTL: the store may already have ended the lease.
            stepDown("no lease renewal for " + ttl.toMillis() + " ms");
            return false;
        }
        Instant asked = clock.instant();
        try {
            await(store.keepAlive(t.lease()));
            term = t.renewed(asked);
            return true;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            stepDown("lease renewal failed: " + e);
            return false;
        }
    }

    /** Ends this replica's term now and hands over at once. Idempotent; blocks up to a third of the TTL. */
    public synchronized void resign() {
        Term t = term;
        if (t == null) return;
        term = null;
        leader = null;
        try {
            await(store.revokeLease(t.lease()));
            log.info("resigned leadership (lease {})", t.lease());
        } catch (Exception e) {
            log.warn("could not revoke the leader lease {} ({}); it ends by itself within {} ms", t.lease(), e, ttl.toMillis());
        }
        notifyListeners();
    }

    /** A change to the leader key after our own write means our term is over, whatever the lease says. */
    private synchronized void onKeyChanged(WatchEvent event) {
        Term t = term;
        if (event.type() == WatchEvent.Type.PUT) leader = text(event.kv());
        if (t != null && event.kv().modRevision() > t.revision()) stepDown("leader key changed at revision " + event.kv().modRevision());
        if (event.type() == WatchEvent.Type.DELETE) {
            if (term == null) leader = null;
            tickSafely();
        }
    }

    private void stepDown(String reason) {
        Term t = term;
        if (t == null) return;
        term = null;
        leader = null;
        log.warn("stepping down as leader: {}", reason);
        // Best effort: if the lease still lives, free the key for whoever campaigns next.
        revokeQuietly(t.lease());
        notifyListeners();
    }

    private void watch() {
        if (closed) return;
        watcher = store.watch(key, 0, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                for (WatchEvent e : events) {
                    // A prefix watch: "leader" also matches "leader-anything".
                    if (!e.kv().key().equals(key) || closed) continue;
                    try {
                        executor.execute(() -> onKeyChanged(e));
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        return;
                    }
                }
            }

            @Override
            public void onError(Throwable error) {
                log.debug("leader key watch ended ({}); watching again", error.toString());
                if (!closed) executor.schedule(LeaderElection.this::watch, tickInterval(ttl).toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private void notifyListeners() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.warn("leadership listener failed", e);
            }
        }
    }

    private void revokeQuietly(long lease) {
        store.revokeLease(lease).exceptionally(e -> null);
    }

    /** Every store call is bounded by a third of the TTL, so a hung store cannot stall renewals past the lease. */
    private <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(tickInterval(ttl).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static String text(KeyValue kv) {
        return new String(kv.value(), StandardCharsets.UTF_8);
    }

    /**
     * Stops campaigning and renewing <em>without</em> revoking the lease: what a crash or a
     * SIGKILL leaves behind, so the others take over only when the lease runs out. For fault
     * injection in tests and harnesses.
     */
    public void abandon() {
        closed = true;
        executor.shutdownNow();
        Watcher w = watcher;
        if (w != null) w.close();
    }

    /** Stops campaigning and resigns. Idempotent. */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        Watcher w = watcher;
        if (w != null) w.close();
        resign();
    }
}
