package dev.gantry.scheduler.eval;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.Allocation;
import dev.gantry.api.v1.ClientStatus;
import dev.gantry.api.v1.DesiredStatus;
import dev.gantry.api.v1.Job;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.state.Snapshot;
import dev.gantry.scheduler.state.Versioned;
import dev.gantry.scheduler.store.Op;
import dev.gantry.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.gantry.scheduler.testing.Fixtures.alloc;
import static dev.gantry.scheduler.testing.Fixtures.job;
import static org.assertj.core.api.Assertions.assertThat;

class AllocationRetentionTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final AllocationRetention hour = new AllocationRetention(Duration.ofHours(1));
    private final Job web = job("web", 0, 100, 64);

    private Allocation ended(String id, ClientStatus status, Instant modified) {
        return alloc(id, web, 0, "n1", status).toBuilder().setDesiredStatus(DesiredStatus.DESIRED_STOP)
                .setModifyTime(Timestamps.fromMillis(modified.toEpochMilli())).build();
    }

    @Test
    void onlyEndedStoppedAllocationsPastTheRetentionAreCollectable() {
        assertThat(hour.collectable(ended("a", ClientStatus.CLIENT_COMPLETE, NOW.minusSeconds(3601)), NOW)).isTrue();
        assertThat(hour.collectable(ended("b", ClientStatus.CLIENT_FAILED, NOW.minusSeconds(7200)), NOW)).isTrue();
        assertThat(hour.collectable(ended("c", ClientStatus.CLIENT_LOST, NOW.minusSeconds(7200)), NOW)).isTrue();
        assertThat(hour.collectable(ended("d", ClientStatus.CLIENT_COMPLETE, NOW.minusSeconds(60)), NOW)).isFalse();
        assertThat(hour.collectable(ended("e", ClientStatus.CLIENT_RUNNING, NOW.minusSeconds(7200)), NOW))
                .as("still stopping: its container runs").isFalse();
        assertThat(hour.collectable(alloc("f", web, 0, "n1", ClientStatus.CLIENT_COMPLETE).toBuilder()
                .setModifyTime(Timestamps.fromMillis(NOW.minusSeconds(7200).toEpochMilli())).build(), NOW))
                .as("meant to run").isFalse();
    }

    @Test
    void theEvaluatorDeletesCollectableAllocationsWithACompareOnTheirRevision() {
        Keys keys = new Keys("/gantry/");
        Evaluator evaluator = new Evaluator(keys, new ManualClock(NOW), () -> "new-id", hour);
        Allocation old = ended("old", ClientStatus.CLIENT_COMPLETE, NOW.minusSeconds(7200));
        Allocation recent = ended("recent", ClientStatus.CLIENT_COMPLETE, NOW.minusSeconds(10));
        Snapshot s = new Snapshot(100, Map.of("default/web", new Versioned<>(web, 5)),
                Map.of("old", new Versioned<>(old, 40), "recent", new Versioned<>(recent, 41)), Map.of(), Map.of());

        List<JobPlan> plans = evaluator.evaluate(s);

        assertThat(plans).singleElement().satisfies(p -> {
            assertThat(p.ops().stream().filter(op -> op.key().startsWith("/gantry/allocs/")))
                    .containsExactly(Op.delete("/gantry/allocs/old"));
            assertThat(p.compares()).contains(dev.gantry.scheduler.store.Compare.modRevision("/gantry/allocs/old", 40));
        });
    }

    @Test
    void aReplicaFailingOverAndOverKeepsOnlyItsNewestEndedAllocations() {
        AllocationRetention keepTwo = new AllocationRetention(Duration.ofHours(1), 2);
        List<Versioned<Allocation>> ofJob = new java.util.ArrayList<>();
        for (int k = 0; k < 5; k++) {
            Allocation a = ended("f" + k, ClientStatus.CLIENT_FAILED, NOW.minusSeconds(60 - k)).toBuilder()
                    .setCreateTime(Timestamps.fromSeconds(2000 + k)).build();
            ofJob.add(new Versioned<>(a, 10 + k));
        }
        Allocation otherIndex = ended("g", ClientStatus.CLIENT_FAILED, NOW.minusSeconds(60)).toBuilder().setIndex(1).build();
        ofJob.add(new Versioned<>(otherIndex, 30));
        ofJob.add(new Versioned<>(alloc("live", web, 0, "n1", ClientStatus.CLIENT_RUNNING), 31));

        assertThat(keepTwo.collectable(ofJob, NOW)).extracting(v -> v.value().getId())
                .containsExactlyInAnyOrder("f0", "f1", "f2");
    }
}
