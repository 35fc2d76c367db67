package dev.gantry.scheduler.eval;

import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.scheduler.state.ClusterState;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.KeyValue;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.RangeResult;
import dev.gantry.scheduler.store.Store;
import dev.gantry.scheduler.store.TxnResult;
import dev.gantry.scheduler.store.WatchListener;
import dev.gantry.scheduler.store.Watcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.gantry.scheduler.testing.Fixtures.job;
import static dev.gantry.scheduler.testing.Fixtures.node;
import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The loop on the in-memory store behind a store that refuses what etcd refuses. */
class EvaluationLoopTest {
    private final Keys keys = new Keys("/gantry/");
    private final MemoryStore memory = new MemoryStore();
    private final EtcdLimits store = new EtcdLimits(memory);
    private final ClusterState state = new ClusterState(store, keys);
    private final AtomicInteger ids = new AtomicInteger();
    private EvaluationLoop loop;

    @AfterEach
    void close() {
        if (loop != null) loop.close();
        state.close();
        memory.close();
    }

    private void start() throws Exception {
        state.start().get(5, TimeUnit.SECONDS);
        loop = new EvaluationLoop(state, store, new Evaluator(keys, Clock.systemUTC(), () -> "alloc-" + ids.incrementAndGet()),
                () -> true);
        loop.start();
    }

    private void put(String key, byte[] value) throws Exception {
        long rev = store.txn(List.of(), List.of(Op.put(key, value)), List.of()).get(5, TimeUnit.SECONDS).revision();
        state.awaitRevision(rev).get(5, TimeUnit.SECONDS);
    }

    private List<Allocation> running(String job) {
        return state.snapshot().allocationsOf("default", job).stream()
                .filter(a -> a.getDesiredStatus() == DesiredStatus.DESIRED_RUN).toList();
    }

    @Test
    void aJobTooBigForOneTransactionIsPlacedInSeveral() throws Exception {
        start();
        for (int i = 0; i < 10; i++) put(keys.node("n" + i), node("n" + i, 64_000, 65_536).toByteArray());
        put(keys.job("default", "big"), job("big", 300, 100, 64).toByteArray());

        eventually(Duration.ofSeconds(20), "300 replicas placed", () -> running("big").size() == 300);
        assertThat(running("big").stream().map(Allocation::getIndex).distinct().count()).isEqualTo(300);
        assertThat(store.refused).as("no transaction over etcd's limits was sent").isEmpty();
    }

    @Test
    void manySmallJobsShareTransactions() throws Exception {
        start();
        put(keys.node("n1"), node("n1", 64_000, 65_536).toByteArray());
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 100; i++) ops.add(Op.put(keys.job("default", "j" + i), job("j" + i, 1, 10, 8).toByteArray()));
        int before = store.transactions.get();
        long rev = store.txn(List.of(), ops, List.of()).get(5, TimeUnit.SECONDS).revision();
        state.awaitRevision(rev).get(5, TimeUnit.SECONDS);

        eventually(Duration.ofSeconds(20), "100 jobs placed",
                () -> state.snapshot().allocations().size() == 100);
        assertThat(store.transactions.get() - before).as("far fewer transactions than jobs").isLessThan(40);
        assertThat(store.refused).isEmpty();
    }

    @Test
    void replicasThatDidNotFitArePlacedOnceCapacityIsFreedWithoutANodeChange() throws Exception {
        start();
        put(keys.node("n1"), node("n1", 1000, 4096).toByteArray());
        put(keys.job("default", "a"), job("a", 1, 800, 64).toByteArray());
        eventually(Duration.ofSeconds(10), "a placed", () -> running("a").size() == 1);
        put(keys.job("default", "b"), job("b", 1, 500, 64).toByteArray());
        eventually(Duration.ofSeconds(10), "b recorded as unplaced", () -> state.snapshot().unplaced().containsKey("default/b"));

        // a's replica ends: its resources are free again, though no node record changed.
        Versioned<Allocation> a = state.snapshot().allocationsOfJob("default/a").values().iterator().next();
        put(keys.job("default", "a"), job("a", 1, 800, 64).toBuilder().setStopped(true).build().toByteArray());
        eventually(Duration.ofSeconds(10), "a stopping", () -> running("a").isEmpty());
        Allocation stopping = state.snapshot().allocations().get(a.value().getId()).value();
        put(keys.allocation(stopping.getId()), stopping.toBuilder().setClientStatus(ClientStatus.CLIENT_COMPLETE).build().toByteArray());

        eventually(Duration.ofSeconds(10), "b placed", () -> running("b").size() == 1);
        eventually(Duration.ofSeconds(10), "b's unplaced record gone", () -> !state.snapshot().unplaced().containsKey("default/b"));
    }

    /** Refuses transactions as etcd does: more than 128 compares or operations, or over 1.5 MiB. */
    private static final class EtcdLimits implements Store {
        final Store delegate;
        final List<String> refused = new CopyOnWriteArrayList<>();
        final AtomicInteger transactions = new AtomicInteger();

        EtcdLimits(Store delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableFuture<TxnResult> txn(List<Compare> compares, List<Op> onSuccess, List<Op> onFailure) {
            transactions.incrementAndGet();
            long bytes = onSuccess.stream().mapToLong(op -> op.key().length() + (op instanceof Op.Put p ? p.value().length : 0)).sum();
            if (compares.size() > 128 || onSuccess.size() > 128 || onFailure.size() > 128 || bytes > 1536 * 1024) {
                refused.add(compares.size() + " compares, " + onSuccess.size() + " operations, " + bytes + " bytes");
                return CompletableFuture.failedFuture(new IllegalArgumentException("etcdserver: too many operations in txn request"));
            }
            return delegate.txn(compares, onSuccess, onFailure);
        }

        @Override
        public CompletableFuture<Optional<KeyValue>> get(String key) {
            return delegate.get(key);
        }

        @Override
        public CompletableFuture<RangeResult> range(String prefix) {
            return delegate.range(prefix);
        }

        @Override
        public Watcher watch(String prefix, long fromRevision, WatchListener listener) {
            return delegate.watch(prefix, fromRevision, listener);
        }

        @Override
        public CompletableFuture<Long> grantLease(Duration ttl) {
            return delegate.grantLease(ttl);
        }

        @Override
        public CompletableFuture<Void> keepAlive(long leaseId) {
            return delegate.keepAlive(leaseId);
        }

        @Override
        public CompletableFuture<Void> revokeLease(long leaseId) {
            return delegate.revokeLease(leaseId);
        }

        @Override
        public void close() {
        }
    }
}
