package dev.gantry.scheduler.state;

import dev.gantry.api.v1.JobSummary;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.store.Op;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A cached value saves the read when current, and never changes the outcome when stale. */
class AtomicUpdateTest {
    private final MemoryStore store = new MemoryStore();

    @AfterEach
    void close() {
        store.close();
    }

    private long put(int unplaced) throws Exception {
        return store.txn(List.of(), List.of(Op.put("k", summary(unplaced).toByteArray())), List.of())
                .get(5, TimeUnit.SECONDS).revision();
    }

    private static JobSummary summary(int unplaced) {
        return JobSummary.newBuilder().setUnplaced(unplaced).build();
    }

    @Test
    void aCurrentCacheIsUsedAndAStaleOneFallsBackToTheStore() throws Exception {
        long r1 = put(1);
        var current = AtomicUpdate.apply(store, "k", JobSummary.parser(),
                v -> Optional.of(summary(v.orElseThrow().getUnplaced() + 1)), new Versioned<>(summary(1), r1));
        assertThat(current.value()).contains(summary(2));

        // The cache still says 1 at r1; the store holds 2: the change must apply to 2.
        var stale = AtomicUpdate.apply(store, "k", JobSummary.parser(),
                v -> Optional.of(summary(v.orElseThrow().getUnplaced() + 1)), new Versioned<>(summary(1), r1));
        assertThat(stale.value()).contains(summary(3));
        assertThat(JobSummary.parseFrom(store.get("k").get(5, TimeUnit.SECONDS).orElseThrow().value())).isEqualTo(summary(3));
    }

    @Test
    void aStaleCacheThatLooksUnchangedDoesNotSuppressTheWrite() throws Exception {
        long r1 = put(1);
        put(5);
        // "set to 1" is a no-op on the cached value, but not on the stored one.
        var result = AtomicUpdate.apply(store, "k", JobSummary.parser(),
                v -> v.orElseThrow().getUnplaced() == 1 ? Optional.empty() : Optional.of(summary(1)), new Versioned<>(summary(1), r1));
        assertThat(result.written()).isTrue();
        assertThat(JobSummary.parseFrom(store.get("k").get(5, TimeUnit.SECONDS).orElseThrow().value())).isEqualTo(summary(1));
    }
}
