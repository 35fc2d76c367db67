package dev.gantry.scheduler.state;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.Deployment;
import dev.gantry.api.v1.Job;
import dev.gantry.api.v1.JobSummary;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.Secret;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.RangeResult;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.WatchEvent;
import dev.gantry.scheduler.store.WatchListener;
import dev.gantry.scheduler.store.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A watch-fed cache of everything under the key prefix (the informer pattern): one range
 * at start, then a watch from the next revision, so no hot path lists the keyspace.
 * Listeners run after each applied batch of events, on the watch thread; they must be quick
 * (typically: trigger an evaluation). Thread-safe.
 */
public final class ClusterState implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterState.class);

    private final Store store;
    private final Keys keys;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final TreeMap<Long, List<CompletableFuture<Void>>> revisionWaiters = new TreeMap<>();

    // Persistent maps, replaced (never mutated) under this object's lock: a snapshot is these
    // references, taken in O(1), and stays valid however the cache moves on.
    private PersistentMap<String, Versioned<Job>> jobs = PersistentMap.empty();
    private PersistentMap<String, Versioned<Allocation>> allocations = PersistentMap.empty();
    private PersistentMap<String, Versioned<Node>> nodes = PersistentMap.empty();
    private PersistentMap<String, JobSummary> unplaced = PersistentMap.empty();
    private PersistentMap<String, Versioned<Deployment>> deployments = PersistentMap.empty();
    /** Secrets by {@code namespace/name}; kept apart from snapshots, which evaluations compare and log. */
    private PersistentMap<String, Versioned<Secret>> secrets = PersistentMap.empty();
    /** Allocations by job key, then by id. */
    private PersistentMap<String, PersistentMap<String, Versioned<Allocation>>> allocationsByJob = PersistentMap.empty();
    /** Allocations by node id, then by id. */
    private PersistentMap<String, PersistentMap<String, Versioned<Allocation>>> allocationsByNode = PersistentMap.empty();
    private long revision;
    private Watcher watcher;
    private volatile boolean closed;

    public ClusterState(Store store, Keys keys) {
        this.store = store;
        this.keys = keys;
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    /** Loads the current state and starts following changes; completes once loaded. */
    public CompletableFuture<Void> start() {
        return store.range(keys.prefix()).thenAccept(this::load);
    }

    private void load(RangeResult range) {
        synchronized (this) {
            jobs = PersistentMap.empty();
            allocations = PersistentMap.empty();
            nodes = PersistentMap.empty();
            unplaced = PersistentMap.empty();
            deployments = PersistentMap.empty();
            secrets = PersistentMap.empty();
            allocationsByJob = PersistentMap.empty();
            allocationsByNode = PersistentMap.empty();
            for (KeyValue kv : range.kvs()) {
                apply(kv, false);
            }
            revision = range.revision();
            if (watcher != null) watcher.close();
            if (closed) return;
            watcher = store.watch(keys.prefix(), range.revision() + 1, new WatchListener() {
                @Override
                public void onEvents(List<WatchEvent> events) {
                    applyEvents(events);
                }

                @Override
                public void onError(Throwable error) {
                    if (closed) return;
                    log.warn("state watch failed ({}); reloading", error.toString());
                    // Compaction or a broken stream: either way, re-list and watch again.
                    CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS)
                            .execute(() -> start().exceptionally(e -> {
                                log.warn("state reload failed: {}", e.toString());
                                onError(e);
                                return null;
                            }));
                }
            });
        }
        completeWaiters();
        notifyListeners();
    }

    private void applyEvents(List<WatchEvent> events) {
        synchronized (this) {
            for (WatchEvent e : events) {
                apply(e.kv(), e.type() == WatchEvent.Type.DELETE);
                revision = Math.max(revision, e.kv().modRevision());
            }
        }
        completeWaiters();
        notifyListeners();
    }

    /** Caller holds this object's lock. */
    private void apply(KeyValue kv, boolean deleted) {
        String key = kv.key();
        try {
            if (key.startsWith(keys.jobs())) {
                String id = key.substring(keys.jobs().length());
                if (deleted) jobs = jobs.minus(id);
                else jobs = jobs.plus(id, new Versioned<>(Job.parseFrom(kv.value()), kv.modRevision()));
            } else if (key.startsWith(keys.allocations())) {
                String id = key.substring(keys.allocations().length());
                Versioned<Allocation> before = allocations.get(id);
                Versioned<Allocation> after = deleted ? null
                        : new Versioned<>(Allocation.parseFrom(kv.value()), kv.modRevision());
                allocations = after == null ? allocations.minus(id) : allocations.plus(id, after);
                allocationsByJob = reindex(allocationsByJob, id, before == null ? null : Snapshot.jobKey(before.value()),
                        after == null ? null : Snapshot.jobKey(after.value()), after);
                allocationsByNode = reindex(allocationsByNode, id, before == null ? null : before.value().getNodeId(),
                        after == null ? null : after.value().getNodeId(), after);
            } else if (key.startsWith(keys.nodes())) {
                String id = key.substring(keys.nodes().length());
                if (deleted) nodes = nodes.minus(id);
                else nodes = nodes.plus(id, new Versioned<>(Node.parseFrom(kv.value()), kv.modRevision()));
            } else if (key.startsWith(keys.secrets())) {
                String id = key.substring(keys.secrets().length());
                if (deleted) secrets = secrets.minus(id);
                else secrets = secrets.plus(id, new Versioned<>(Secret.parseFrom(kv.value()), kv.modRevision()));
            } else if (key.startsWith(keys.unplaced())) {
                String id = key.substring(keys.unplaced().length());
                if (deleted) unplaced = unplaced.minus(id);
                else unplaced = unplaced.plus(id, JobSummary.parseFrom(kv.value()));
            } else if (key.startsWith(keys.deployments()) && !deleted) {
                // Only the latest per job is cached; older ones are deleted as versions age out.
                Deployment d = Deployment.parseFrom(kv.value());
                String job = Snapshot.jobKey(d.getNamespace(), d.getJob());
                Versioned<Deployment> cached = deployments.get(job);
                if (cached == null || cached.value().getJobVersion() <= d.getJobVersion()) {
                    deployments = deployments.plus(job, new Versioned<>(d, kv.modRevision()));
                }
            } else if (key.startsWith(keys.deployments())) {
                for (var e : deployments.entrySet()) {
                    Deployment d = e.getValue().value();
                    if (keys.deployment(d.getNamespace(), d.getJob(), d.getJobVersion()).equals(key)) {
                        deployments = deployments.minus(e.getKey());
                        break;
                    }
                }
            }
        } catch (InvalidProtocolBufferException e) {
            // A corrupt value must not take the scheduler down: skip it and say where it is.
            log.error("ignoring undecodable value at {}: {}", key, e.getMessage());
        }
    }

    /** Moves allocation {@code id} from group {@code from} to group {@code to} (either may be null) of an index. */
    private static PersistentMap<String, PersistentMap<String, Versioned<Allocation>>> reindex(
            PersistentMap<String, PersistentMap<String, Versioned<Allocation>>> index, String id, String from, String to,
            Versioned<Allocation> value) {
        if (from != null && !from.equals(to)) {
            PersistentMap<String, Versioned<Allocation>> group = index.get(from);
            if (group != null) {
                group = group.minus(id);
                index = group.isEmpty() ? index.minus(from) : index.plus(from, group);
            }
        }
        if (to != null) {
            PersistentMap<String, Versioned<Allocation>> group = index.getOrDefault(to, PersistentMap.empty());
            index = index.plus(to, group.plus(id, value));
        }
        return index;
    }

    /** The cache as it is now; O(1), and it shares unchanged parts with earlier snapshots (see {@link Snapshot}). */
    public synchronized Snapshot snapshot() {
        return new Snapshot(revision, jobs, allocations, nodes, unplaced, deployments, allocationsByJob, allocationsByNode);
    }

    /**
     * The cluster secrets as of now, by {@code namespace/name} ({@link Snapshot#jobKey}); an
     * immutable map that is the same object until a secret changes.
     */
    public synchronized Map<String, Versioned<Secret>> secrets() {
        return secrets;
    }

    public synchronized long revision() {
        return revision;
    }

    /** Completes once the cache has applied {@code rev} (read-your-writes after a transaction). */
    public CompletableFuture<Void> awaitRevision(long rev) {
        var f = new CompletableFuture<Void>();
        synchronized (this) {
            if (revision >= rev) return CompletableFuture.completedFuture(null);
            revisionWaiters.computeIfAbsent(rev, r -> new ArrayList<>()).add(f);
        }
        return f;
    }

    private void completeWaiters() {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            var head = revisionWaiters.headMap(revision, true);
            head.values().forEach(done::addAll);
            head.clear();
        }
        done.forEach(f -> f.complete(null));
    }

    private void notifyListeners() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.error("state listener failed", e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            if (watcher != null) watcher.close();
        }
    }
}
