package dev.gantry.scheduler.history;

import dev.gantry.api.v1.Job;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.testing.Fixtures;
import dev.gantry.testing.ManualClock;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobHistoryTest {
    private final MemoryStore store = new MemoryStore();
    private final Keys keys = new Keys("/gantry/");
    private final JobHistory history = new JobHistory(store, keys, new ManualClock(Instant.parse("2026-01-01T00:00:00Z")), 3);

    @AfterEach
    void close() {
        store.close();
    }

    private static Job spec(String image, int count) {
        Job j = Fixtures.job("web", count, 100, 64).toBuilder().clearVersion().build();
        return j.toBuilder().setTasks(0, j.getTasks(0).toBuilder().setImage(image)).build();
    }

    @Test
    void everyChangeIsANewVersionAndOnlyTheLastFewAreKept() throws Exception {
        for (int i = 1; i <= 5; i++) history.submit(spec("file:/v" + i + ".tar", 1));
        assertThat(history.submit(spec("file:/v5.tar", 1)).written()).as("the same spec again").isFalse();
        List<Long> kept = history.list("default", "web").stream().map(v -> v.getJob().getVersion()).toList();
        assertThat(kept).containsExactly(3L, 4L, 5L);
        assertThat(history.version("default", "web", 2)).isEmpty();
    }

    @Test
    void aRedeployMakesANewVersionFromAKeptOneWithItsCause() throws Exception {
        history.submit(spec("file:/v1.tar", 2));
        history.submit(spec("file:/v2.tar", 2));
        Job v3 = history.redeploy("default", "web", 1, 0, "undo to version 1", j -> List.of(), List.of()).value().orElseThrow();
        assertThat(v3.getVersion()).isEqualTo(3);
        assertThat(v3.getTasks(0).getImage()).isEqualTo("file:/v1.tar");
        assertThat(v3.getChangeCause()).isEqualTo("undo to version 1");
        assertThat(v3.getTemplateHash()).isEqualTo(history.version("default", "web", 1).orElseThrow().getTemplateHash());
        assertThat(history.list("default", "web")).hasSize(3);

        // A rollback fenced on the version it replaces does nothing once the job moved on.
        assertThat(history.redeploy("default", "web", 1, 2, "automatic rollback", j -> List.of(), List.of()).written()).isFalse();
        assertThatThrownBy(() -> history.redeploy("default", "web", 9, 0, "undo", j -> List.of(), List.of()))
                .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("version 9 of job default/web is not kept");
    }
}
