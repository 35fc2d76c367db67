package dev.gantry.scheduler.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract on the embedded store, on a fake clock (no sleeps), plus what only it promises exactly. */
class MemoryStoreTest extends StoreContractTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private MemoryStore memory;

    @Override
    protected Store createStore() {
        memory = new MemoryStore(clock);
        return memory;
    }

    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(10);
    }

    @Override
    protected void elapse(Duration duration) {
        clock.advance(duration);
        memory.expireLeases();
    }

    @Override
    protected void compact(long revision) {
        memory.compact(revision);
    }

    @Test
    void revisionsStartAtOneAndMoveByOnePerWritingTransaction() {
        assertThat(await(store.range("")).revision()).isEqualTo(1);
        assertThat(put("/a", "1")).isEqualTo(2);
        assertThat(await(store.txn(List.of(), List.of(Op.put("/b", bytes("1")), Op.put("/c", bytes("1"))), List.of()))
                .revision()).isEqualTo(3);
        assertThat(await(store.txn(List.of(), List.of(Op.delete("/absent")), List.of())).revision())
                .as("a txn that changes nothing keeps the revision").isEqualTo(3);
        assertThat(await(store.txn(List.of(Compare.absent("/a")), List.of(Op.put("/a", bytes("2"))), List.of()))
                .revision()).as("a failed compare with an empty failure branch writes nothing").isEqualTo(3);
    }

    @Test
    void boundedHistoryCompactsTheOldestRevisions() throws Exception {
        store.close();
        memory = new MemoryStore(clock, 3);
        store = memory;
        long r1 = put("/a", "1");
        long r2 = put("/a", "2");
        long r3 = put("/a", "3");
        long r4 = put("/a", "4");

        RecordingListener dropped = new RecordingListener();
        try (Watcher ignored = store.watch("/", r1, dropped)) {
            assertThat(dropped.nextError()).isInstanceOf(CompactedException.class);
        }
        RecordingListener kept = new RecordingListener();
        try (Watcher ignored = store.watch("/", r2, kept)) {
            assertThat(List.of(kept.nextBatch(), kept.nextBatch(), kept.nextBatch()))
                    .extracting(batch -> batch.get(0).kv().modRevision()).containsExactly(r2, r3, r4);
        }
    }

    @Test
    void leasesExpireOnlyWhenTheClockPassesTheirDeadline() {
        long lease = await(store.grantLease(Duration.ofSeconds(10)));
        await(store.txn(List.of(), List.of(Op.put("/live", bytes("1"), lease)), List.of()));
        clock.advance(Duration.ofMillis(9_999));
        assertThat(memory.expireLeases()).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(memory.expireLeases()).isEqualTo(1);
        assertThat(await(store.get("/live"))).isEmpty();
    }

    @Test
    void aPutWithoutLeaseDetachesTheKeyFromItsLease() {
        long lease = await(store.grantLease(Duration.ofSeconds(10)));
        await(store.txn(List.of(), List.of(Op.put("/k", bytes("1"), lease)), List.of()));
        put("/k", "2");
        await(store.revokeLease(lease));
        assertThat(await(store.get("/k"))).isPresent();
    }

    @Test
    void aListenerThatThrowsEndsItsWatchWithTheError() throws Exception {
        RuntimeException boom = new IllegalStateException("boom");
        RecordingListener errors = new RecordingListener();
        WatchListener throwing = new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                throw boom;
            }

            @Override
            public void onError(Throwable error) {
                errors.onError(error);
            }
        };
        try (Watcher ignored = store.watch("/", 0, throwing)) {
            put("/a", "1");
            assertThat(errors.nextError()).isSameAs(boom);
        }
    }

    @Test
    void storedValuesCannotBeChangedThroughArrays() {
        byte[] value = bytes("original");
        await(store.txn(List.of(), List.of(Op.put("/k", value)), List.of()));
        value[0] = 'X';
        await(store.get("/k")).orElseThrow().value()[1] = 'X';
        assertThat(text(await(store.get("/k")).orElseThrow())).isEqualTo("original");
    }

    @Test
    void aClosedStoreFailsCalls() {
        store.close();
        assertThat(failure(store.get("/k"))).isInstanceOf(IllegalStateException.class);
        store.close(); // idempotent
    }
}
