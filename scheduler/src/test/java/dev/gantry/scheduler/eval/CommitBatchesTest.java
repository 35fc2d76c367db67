package dev.gantry.scheduler.eval;

import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class CommitBatchesTest {
    private static final int MAX_OPS = 128;
    private static final long MAX_BYTES = 1 << 20;

    /** A job placing {@code placed} replicas and stopping {@code stopped}, with its compares as the evaluator makes them. */
    private static JobPlan plan(String job, int placed, int stopped, int valueBytes) {
        List<Compare> compares = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < stopped; i++) {
            String key = "/gantry/allocs/" + job + "-old-" + i;
            compares.add(Compare.modRevision(key, 10 + i));
            ops.add(Op.put(key, new byte[valueBytes]));
        }
        for (int i = 0; i < placed; i++) {
            String key = "/gantry/allocs/" + job + "-new-" + i;
            compares.add(Compare.absent(key));
            ops.add(Op.put(key, new byte[valueBytes]));
        }
        compares.add(Compare.modRevision("/gantry/jobs/default/" + job, 5));
        return new JobPlan("default/" + job, compares, ops, placed, stopped, 0);
    }

    @Test
    void smallPlansShareTransactionsWithinEtcdsLimits() {
        List<JobPlan> plans = new ArrayList<>();
        for (int i = 0; i < 100; i++) plans.add(plan("j" + i, 2, 1, 300));
        CommitBatches.Commits c = CommitBatches.of(plans, MAX_OPS, MAX_BYTES, 1);

        assertThat(c.sequences()).isEmpty();
        assertThat(c.shared()).hasSizeLessThan(10);
        for (CommitBatches.Txn t : c.shared()) {
            assertThat(t.compares().size()).isLessThanOrEqualTo(MAX_OPS - 1);
            assertThat(t.ops().size()).isLessThanOrEqualTo(MAX_OPS);
            // whole plans only: every plan's compares and writes travel together
            int compares = t.plans().stream().mapToInt(p -> p.compares().size()).sum();
            assertThat(t.compares()).hasSize(compares);
        }
        assertThat(c.shared().stream().mapToInt(t -> t.plans().size()).sum()).isEqualTo(100);
    }

    @Test
    void aPlanThatFitsStaysOneTransaction() {
        CommitBatches.Commits c = CommitBatches.of(List.of(plan("web", 100, 0, 300), plan("db", 100, 0, 300)), MAX_OPS,
                MAX_BYTES, 1);
        assertThat(c.sequences()).isEmpty();
        assertThat(c.shared()).hasSize(2).allSatisfy(t -> assertThat(t.plans()).hasSize(1));
    }

    @Test
    void bytesLimitSplitsBatches() {
        List<JobPlan> plans = new ArrayList<>();
        for (int i = 0; i < 10; i++) plans.add(plan("j" + i, 3, 0, 100_000));
        CommitBatches.Commits c = CommitBatches.of(plans, MAX_OPS, MAX_BYTES, 1);
        for (CommitBatches.Txn t : c.shared()) {
            long bytes = t.ops().stream().mapToLong(op -> ((Op.Put) op).value().length).sum();
            assertThat(bytes).isLessThanOrEqualTo(MAX_BYTES);
        }
        assertThat(c.shared().size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aPlanTooBigForOneTransactionIsCutIntoASequenceThatPlacesBeforeItStops() {
        JobPlan big = plan("big", 1000, 50, 300);
        CommitBatches.Commits c = CommitBatches.of(List.of(big, plan("small", 1, 0, 300)), MAX_OPS, MAX_BYTES, 2);

        assertThat(c.shared()).singleElement().satisfies(t -> assertThat(t.plans()).extracting(JobPlan::jobKey)
                .containsExactly("default/small"));
        assertThat(c.sequences()).singleElement().satisfies(seq -> {
            Set<String> keys = new HashSet<>();
            boolean seenStop = false;
            for (CommitBatches.Txn t : seq) {
                assertThat(t.compares().size()).isLessThanOrEqualTo(MAX_OPS - 2);
                assertThat(t.ops().size()).isLessThanOrEqualTo(MAX_OPS);
                assertThat(t.compares()).as("every part re-checks the job").contains(Compare.modRevision("/gantry/jobs/default/big", 5));
                for (Op op : t.ops()) {
                    assertThat(keys.add(op.key())).as("each write once").isTrue();
                    assertThat(t.compares().stream().filter(cmp -> cmp.key().equals(op.key()))).as("its compare travels with it").hasSize(1);
                    boolean stop = op.key().contains("-old-");
                    if (stop) seenStop = true;
                    else assertThat(seenStop).as("new replicas before stops").isFalse();
                }
            }
            assertThat(keys).hasSize(1050);
        });
    }

    @Test
    void plansWithoutWritesAreLeftOut() {
        JobPlan revertOnly = new JobPlan("default/x", List.of(Compare.absent("/gantry/jobs/default/x")), List.of(), 0, 0, 0,
                new JobPlan.Revert("default", "x", 2, 1, "failed", 7));
        assertThat(CommitBatches.of(List.of(revertOnly), MAX_OPS, MAX_BYTES, 1).shared()).isEmpty();
    }
}
