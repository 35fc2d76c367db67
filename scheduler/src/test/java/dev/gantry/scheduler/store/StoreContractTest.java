package dev.gantry.scheduler.store;

import static dev.gantry.testing.Eventually.eventually;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Store} must do, as etcd does it (DESIGN §3). Each implementation's test
 * subclasses this. Every test works under a fresh random key prefix, so a shared etcd serves
 * many runs; for the same reason revisions are compared by order, never by exact numbers
 * (another client may write in between), except within one transaction.
 */
abstract class StoreContractTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    protected Store store;
    protected String p;

    /** A new, empty-enough store; closed after each test. */
    protected abstract Store createStore() throws Exception;

    /** A lease TTL the test can let pass: etcd needs whole seconds and at least 2 s. */
    protected abstract Duration shortTtl();

    /** Lets {@code duration} pass for the store's leases: a fake clock advances and sweeps, a real store sleeps. */
    protected abstract void elapse(Duration duration) throws Exception;

    /** Discards the store's history below {@code revision}, as etcd's compaction does. */
    protected abstract void compact(long revision) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = createStore();
        p = "/contract-" + UUID.randomUUID() + "/";
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---- keys, values, revisions ------------------------------------------------------------

    @Test
    void putGetAndDelete() throws Exception {
        assertThat(await(store.get(p + "a"))).isEmpty();

        long first = put(p + "a", "one");
        KeyValue kv = await(store.get(p + "a")).orElseThrow();
        assertThat(kv.key()).isEqualTo(p + "a");
        assertThat(text(kv)).isEqualTo("one");
        assertThat(kv.createRevision()).isEqualTo(first);
        assertThat(kv.modRevision()).isEqualTo(first);
        assertThat(kv.version()).isEqualTo(1);
        assertThat(kv.lease()).isZero();

        long second = put(p + "a", "two");
        KeyValue updated = await(store.get(p + "a")).orElseThrow();
        assertThat(second).isGreaterThan(first);
        assertThat(text(updated)).isEqualTo("two");
        assertThat(updated.createRevision()).isEqualTo(first);
        assertThat(updated.modRevision()).isEqualTo(second);
        assertThat(updated.version()).isEqualTo(2);

        TxnResult deleted = await(store.txn(List.of(), List.of(Op.delete(p + "a")), List.of()));
        assertThat(deleted.succeeded()).isTrue();
        assertThat(deleted.revision()).isGreaterThan(second);
        assertThat(await(store.get(p + "a"))).isEmpty();
    }

    @Test
    void deletingAnAbsentKeySucceedsAndChangesNothing() throws Exception {
        TxnResult result = await(store.txn(List.of(), List.of(Op.delete(p + "never")), List.of()));
        assertThat(result.succeeded()).isTrue();
        assertThat(await(store.get(p + "never"))).isEmpty();
    }

    @Test
    void valuesAreBinary() throws Exception {
        byte[] value = {0, (byte) 0xff, 10, (byte) 0x80, 0};
        await(store.txn(List.of(), List.of(Op.put(p + "bin", value)), List.of()));
        assertThat(await(store.get(p + "bin")).orElseThrow().value()).containsExactly(value);
    }

    @Test
    void rangeReturnsKeysUnderThePrefixSortedAndItsRevision() throws Exception {
        put(p + "b", "2");
        put(p + "a/nested", "1");
        put(p + "c", "3");
        put(p.substring(0, p.length() - 1) + "x", "sibling, not under the prefix");
        long last = put(p + "a", "0");

        RangeResult range = await(store.range(p));
        assertThat(range.kvs()).extracting(KeyValue::key).containsExactly(p + "a", p + "a/nested", p + "b", p + "c");
        assertThat(range.kvs()).extracting(StoreContractTest::text).containsExactly("0", "1", "2", "3");
        assertThat(range.revision()).isGreaterThanOrEqualTo(last);

        RangeResult empty = await(store.range(p + "nothing/"));
        assertThat(empty.kvs()).isEmpty();
        assertThat(empty.revision()).isGreaterThanOrEqualTo(last);
    }

    @Test
    void revisionsAreStoreWideAndOneTransactionWritesAtOneRevision() throws Exception {
        long a = put(p + "a", "1");
        long b = put(p + "b", "1");
        assertThat(b).as("a write to another key still moves the one revision").isGreaterThan(a);

        TxnResult txn = await(store.txn(List.of(),
                List.of(Op.put(p + "c", bytes("1")), Op.put(p + "d", bytes("1")), Op.put(p + "a", bytes("2"))),
                List.of()));
        assertThat(txn.revision()).isGreaterThan(b);
        for (String key : List.of("c", "d", "a")) {
            assertThat(await(store.get(p + key)).orElseThrow().modRevision()).as(key).isEqualTo(txn.revision());
        }
        assertThat(await(store.range(p)).revision()).isGreaterThanOrEqualTo(txn.revision());
    }

    // ---- transactions -----------------------------------------------------------------------

    @Test
    void txnRunsTheSuccessBranchWhenAllComparesHold() throws Exception {
        long rev = put(p + "k", "v1");
        TxnResult result = await(store.txn(List.of(Compare.modRevision(p + "k", rev), Compare.absent(p + "other")),
                List.of(Op.put(p + "k", bytes("v2"))), List.of(Op.put(p + "failed", bytes("x")))));
        assertThat(result.succeeded()).isTrue();
        assertThat(text(await(store.get(p + "k")).orElseThrow())).isEqualTo("v2");
        assertThat(await(store.get(p + "failed"))).isEmpty();
    }

    @Test
    void txnRunsTheFailureBranchWhenAnyCompareFails() throws Exception {
        long rev = put(p + "k", "v1");
        put(p + "k", "v2");
        TxnResult result = await(store.txn(List.of(Compare.modRevision(p + "k", rev)),
                List.of(Op.put(p + "k", bytes("v3"))), List.of(Op.put(p + "failed", bytes("x")))));
        assertThat(result.succeeded()).isFalse();
        assertThat(text(await(store.get(p + "k")).orElseThrow())).isEqualTo("v2");
        assertThat(text(await(store.get(p + "failed")).orElseThrow())).isEqualTo("x");
        assertThat(result.revision()).isEqualTo(await(store.get(p + "failed")).orElseThrow().modRevision());
    }

    @Test
    void compareAbsentHoldsOnlyWhileTheKeyDoesNotExist() throws Exception {
        assertThat(createIfAbsent(p + "k", "first")).isTrue();
        assertThat(createIfAbsent(p + "k", "second")).isFalse();
        assertThat(text(await(store.get(p + "k")).orElseThrow())).isEqualTo("first");

        await(store.txn(List.of(), List.of(Op.delete(p + "k")), List.of()));
        assertThat(createIfAbsent(p + "k", "third")).isTrue();
        assertThat(await(store.get(p + "k")).orElseThrow().version()).as("a new life of the key").isEqualTo(1);
    }

    @Test
    void aBranchThatWritesOneKeyTwiceIsRejected() throws Exception {
        Throwable error = failure(store.txn(List.of(),
                List.of(Op.put(p + "k", bytes("1")), Op.put(p + "k", bytes("2"))), List.of()));
        assertThat(error).isInstanceOf(IllegalArgumentException.class);
        assertThat(await(store.get(p + "k"))).isEmpty();
    }

    @Test
    void concurrentCompareAndSwapLosesNoIncrement() throws Exception {
        int threads = 8;
        int incrementsPerThread = 5;
        put(p + "counter", "0");
        AtomicInteger successes = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < incrementsPerThread; i++) {
                        while (true) {
                            KeyValue current = await(store.get(p + "counter")).orElseThrow();
                            int next = Integer.parseInt(text(current)) + 1;
                            TxnResult result = await(store.txn(List.of(Compare.modRevision(p + "counter", current.modRevision())),
                                    List.of(Op.put(p + "counter", bytes(Integer.toString(next)))), List.of()));
                            if (result.succeeded()) {
                                successes.incrementAndGet();
                                break;
                            }
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int total = threads * incrementsPerThread;
        assertThat(successes).hasValue(total);
        assertThat(text(await(store.get(p + "counter")).orElseThrow())).isEqualTo(Integer.toString(total));
        assertThat(await(store.get(p + "counter")).orElseThrow().version()).isEqualTo(total + 1);
    }

    // ---- watches ----------------------------------------------------------------------------

    @Test
    void watchFromNowSeesLaterChangesUnderItsPrefixOnly() throws Exception {
        put(p + "before", "x");
        RecordingListener listener = new RecordingListener();
        try (Watcher ignored = store.watch(p + "w/", 0, listener)) {
            long putRev = put(p + "w/a", "1");
            put(p + "elsewhere", "not watched");
            long deleteRev = await(store.txn(List.of(), List.of(Op.delete(p + "w/a")), List.of())).revision();

            List<WatchEvent> puts = listener.nextBatch();
            assertThat(puts).hasSize(1);
            assertThat(puts.get(0).type()).isEqualTo(WatchEvent.Type.PUT);
            assertThat(puts.get(0).kv().key()).isEqualTo(p + "w/a");
            assertThat(text(puts.get(0).kv())).isEqualTo("1");
            assertThat(puts.get(0).kv().modRevision()).isEqualTo(putRev);
            assertThat(puts.get(0).kv().createRevision()).isEqualTo(putRev);
            assertThat(puts.get(0).kv().version()).isEqualTo(1);

            List<WatchEvent> deletes = listener.nextBatch();
            assertThat(deletes).hasSize(1);
            assertThat(deletes.get(0).type()).isEqualTo(WatchEvent.Type.DELETE);
            assertThat(deletes.get(0).kv().key()).isEqualTo(p + "w/a");
            assertThat(deletes.get(0).kv().modRevision()).isEqualTo(deleteRev);
            assertThat(listener.threads).doesNotContain(Thread.currentThread());
        }
    }

    @Test
    void watchFromAPastRevisionReplaysHistoryThenFollows() throws Exception {
        long r1 = put(p + "a", "1");
        long r2 = put(p + "b", "1");
        long r3 = await(store.txn(List.of(), List.of(Op.delete(p + "a")), List.of())).revision();

        RecordingListener listener = new RecordingListener();
        try (Watcher ignored = store.watch(p, r1, listener)) {
            long r4 = put(p + "c", "1");
            assertThat(revisionsOf(listener, 4)).containsExactly(r1, r2, r3, r4);
        }

        RecordingListener fromMiddle = new RecordingListener();
        try (Watcher ignored = store.watch(p, r2, fromMiddle)) {
            List<WatchEvent> first = fromMiddle.nextBatch();
            assertThat(first).extracting(e -> e.kv().key()).containsExactly(p + "b");
            assertThat(fromMiddle.nextBatch()).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.DELETE);
        }
    }

    @Test
    void eventsOfOneTransactionArriveTogetherInOpOrder() throws Exception {
        long start = put(p + "z", "to delete");
        RecordingListener listener = new RecordingListener();
        try (Watcher ignored = store.watch(p, start + 1, listener)) {
            TxnResult txn = await(store.txn(List.of(),
                    List.of(Op.put(p + "y", bytes("1")), Op.put(p + "x", bytes("2")), Op.delete(p + "z")), List.of()));
            put(p + "after", "3");

            List<WatchEvent> batch = listener.nextBatch();
            assertThat(batch).extracting(e -> e.kv().key()).containsExactly(p + "y", p + "x", p + "z");
            assertThat(batch).extracting(WatchEvent::type)
                    .containsExactly(WatchEvent.Type.PUT, WatchEvent.Type.PUT, WatchEvent.Type.DELETE);
            assertThat(batch).allSatisfy(e -> assertThat(e.kv().modRevision()).isEqualTo(txn.revision()));
            assertThat(listener.nextBatch()).extracting(e -> e.kv().key()).containsExactly(p + "after");
        }
    }

    @Test
    void closingAWatchStopsDelivery() throws Exception {
        RecordingListener listener = new RecordingListener();
        // From an explicit revision: a watch "from now" (0) may be set up after the next put.
        long start = put(p + "seed", "0");
        Watcher watcher = store.watch(p, start + 1, listener);
        put(p + "a", "1");
        assertThat(listener.nextBatch()).hasSize(1);

        watcher.close();
        watcher.close(); // idempotent
        long after = put(p + "b", "1");

        // A second watch that sees the write proves it was published; the closed one must stay quiet.
        RecordingListener witness = new RecordingListener();
        try (Watcher ignored = store.watch(p, after, witness)) {
            assertThat(witness.nextBatch()).extracting(e -> e.kv().key()).containsExactly(p + "b");
        }
        listener.assertQuietFor(Duration.ofMillis(200));
    }

    @Test
    void watchFromACompactedRevisionFailsWithCompactedException() throws Exception {
        long r1 = put(p + "a", "1");
        put(p + "a", "2");
        long r3 = put(p + "a", "3");
        compact(r3);

        RecordingListener tooOld = new RecordingListener();
        try (Watcher ignored = store.watch(p, r1, tooOld)) {
            assertThat(tooOld.nextError()).isInstanceOf(CompactedException.class);
        }

        RecordingListener fromCompaction = new RecordingListener();
        try (Watcher ignored = store.watch(p, r3, fromCompaction)) {
            List<WatchEvent> batch = fromCompaction.nextBatch();
            assertThat(batch).extracting(e -> e.kv().modRevision()).containsExactly(r3);
        }
    }

    // ---- leases -----------------------------------------------------------------------------

    @Test
    void revokingALeaseDeletesItsKeysWithDeleteEvents() throws Exception {
        long lease = await(store.grantLease(Duration.ofSeconds(60)));
        await(store.txn(List.of(), List.of(Op.put(p + "l1", bytes("1"), lease), Op.put(p + "l2", bytes("2"), lease)),
                List.of()));
        long start = put(p + "plain", "stays");
        assertThat(await(store.get(p + "l1")).orElseThrow().lease()).isEqualTo(lease);

        RecordingListener listener = new RecordingListener();
        try (Watcher ignored = store.watch(p, start + 1, listener)) {
            await(store.revokeLease(lease));
            List<WatchEvent> batch = listener.nextBatch();
            assertThat(batch).extracting(WatchEvent::type).containsOnly(WatchEvent.Type.DELETE);
            assertThat(batch).extracting(e -> e.kv().key()).containsExactlyInAnyOrder(p + "l1", p + "l2");
        }
        assertThat(await(store.range(p)).kvs()).extracting(KeyValue::key).containsExactly(p + "plain");
        await(store.revokeLease(lease)); // idempotent
    }

    @Test
    void aPutWithAnUnknownLeaseFails() throws Exception {
        long lease = await(store.grantLease(Duration.ofSeconds(60)));
        await(store.revokeLease(lease));
        Throwable error = failure(store.txn(List.of(), List.of(Op.put(p + "k", bytes("v"), lease)), List.of()));
        assertThat(error).isInstanceOf(LeaseNotFoundException.class);
        assertThat(await(store.get(p + "k"))).isEmpty();
    }

    @Test
    void anExpiredLeaseDeletesItsKeys() throws Exception {
        Duration ttl = shortTtl();
        long lease = await(store.grantLease(ttl));
        long rev = await(store.txn(List.of(), List.of(Op.put(p + "live", bytes("1"), lease)), List.of())).revision();
        RecordingListener listener = new RecordingListener();
        try (Watcher ignored = store.watch(p, rev + 1, listener)) {
            elapse(ttl.plusMillis(500));
            eventually(() -> await(store.get(p + "live")).isEmpty());
            assertThat(listener.nextBatch()).extracting(WatchEvent::type).containsExactly(WatchEvent.Type.DELETE);
        }
    }

    @Test
    void keepAliveExtendsALease() throws Exception {
        Duration ttl = shortTtl();
        Duration sixTenths = ttl.multipliedBy(6).dividedBy(10);
        long lease = await(store.grantLease(ttl));
        await(store.txn(List.of(), List.of(Op.put(p + "live", bytes("1"), lease)), List.of()));

        elapse(sixTenths);
        await(store.keepAlive(lease));
        elapse(sixTenths);
        assertThat(await(store.get(p + "live"))).as("alive past its first TTL thanks to the keep-alive").isPresent();
        await(store.keepAlive(lease));
    }

    @Test
    void keepAliveOfAnExpiredLeaseFails() throws Exception {
        Duration ttl = shortTtl();
        long lease = await(store.grantLease(ttl));
        elapse(ttl.plusMillis(500));
        assertThat(failure(store.keepAlive(lease))).isInstanceOf(LeaseNotFoundException.class);
        assertThat(failure(store.keepAlive(lease + 1_000_003))).as("never granted").isInstanceOf(LeaseNotFoundException.class);
    }

    @Test
    void pingAnswers() throws Exception {
        await(store.ping());
    }

    // ---- helpers ----------------------------------------------------------------------------

    protected long put(String key, String value) {
        return await(store.txn(List.of(), List.of(Op.put(key, bytes(value))), List.of())).revision();
    }

    private boolean createIfAbsent(String key, String value) {
        return await(store.txn(List.of(Compare.absent(key)), List.of(Op.put(key, bytes(value))), List.of())).succeeded();
    }

    private static List<Long> revisionsOf(RecordingListener listener, int batches) throws InterruptedException {
        List<Long> revisions = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            List<WatchEvent> batch = listener.nextBatch();
            long revision = batch.get(0).kv().modRevision();
            assertThat(batch).allSatisfy(e -> assertThat(e.kv().modRevision()).isEqualTo(revision));
            revisions.add(revision);
        }
        return revisions;
    }

    protected static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("store call failed", e.getCause());
        } catch (Exception e) {
            throw new AssertionError("store call did not answer within " + WAIT, e);
        }
    }

    protected static Throwable failure(CompletableFuture<?> future) {
        try {
            Object value = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return fail("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("store call did not answer within " + WAIT, e);
        }
    }

    protected static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    protected static String text(KeyValue kv) {
        return new String(kv.value(), UTF_8);
    }
}
