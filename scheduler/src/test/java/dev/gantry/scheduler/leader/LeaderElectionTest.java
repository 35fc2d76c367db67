package dev.gantry.scheduler.leader;

import dev.gantry.testing.ManualClock;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.TxnResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The election on the in-memory store with a manual clock: leases end only when the test says so. */
class LeaderElectionTest {
    private static final String KEY = "/gantry/leader";
    private static final Duration TTL = Duration.ofSeconds(5);

    private final ManualClock clock = new ManualClock();
    private final MemoryStore store = new MemoryStore(clock);
    private final LeaderElection a = new LeaderElection(store, KEY, "a@10.0.0.1:7420", TTL, clock);
    private final LeaderElection b = new LeaderElection(store, KEY, "b@10.0.0.2:7420", TTL, clock);

    @AfterEach
    void close() {
        a.close();
        b.close();
        store.close();
    }

    /** A decision write as the evaluation loop makes it: fenced by the writer's election. */
    private boolean decide(LeaderElection writer, String value) throws Exception {
        TxnResult r = store.txn(writer.fence(), List.of(Op.put("/gantry/decision", value.getBytes(StandardCharsets.UTF_8))), List.of()).get();
        return r.succeeded();
    }

    @Test
    void ofTwoCandidatesExactlyOneWinsAndBothKnowWhich() throws Exception {
        assertThat(a.campaign()).isTrue();
        assertThat(b.campaign()).isFalse();

        assertThat(a.isLeader()).isTrue();
        assertThat(b.isLeader()).isFalse();
        assertThat(b.leaderId()).contains("a@10.0.0.1:7420");
        assertThat(a.fencingToken()).isEqualTo(store.get(KEY).get().orElseThrow().modRevision());
        assertThat(decide(a, "from a")).isTrue();
        assertThat(decide(b, "from b")).isFalse();
    }

    @Test
    void renewingEveryThirdOfTheTtlKeepsLeadershipIndefinitely() throws Exception {
        a.campaign();
        for (int i = 0; i < 10; i++) {
            clock.advance(LeaderElection.tickInterval(TTL));
            store.expireLeases();
            a.tick();
            b.tick();
        }
        assertThat(a.isLeader()).isTrue();
        assertThat(b.isLeader()).isFalse();
        assertThat(decide(a, "still a")).isTrue();
    }

    @Test
    void whenTheLeadersLeaseExpiresTheOtherWinsAndTheOldLeaderCannotCommit() throws Exception {
        a.campaign();
        long oldToken = a.fencingToken();
        // a stops renewing (a SIGSTOP, a long GC pause): its lease runs out in the store.
        clock.advance(TTL.plusMillis(1));
        assertThat(a.isLeader()).as("a's own clock says its lease may be gone").isFalse();
        assertThat(store.expireLeases()).isEqualTo(1);
        b.tick();

        assertThat(b.isLeader()).isTrue();
        assertThat(b.fencingToken()).isGreaterThan(oldToken);
        // a wakes up and writes before noticing anything: the store refuses.
        assertThat(decide(a, "stale a")).isFalse();
        assertThat(decide(b, "from b")).isTrue();

        a.tick();
        assertThat(a.isLeader()).isFalse();
        assertThat(a.leaderId()).contains("b@10.0.0.2:7420");
    }

    @Test
    void aLeaderThatMissesItsRenewalsStepsDownEvenIfTheStoreHasNotExpiredItYet() throws Exception {
        a.campaign();
        clock.advance(TTL);
        assertThat(a.renew()).isFalse();
        assertThat(a.isLeader()).isFalse();
        // Stepping down revoked the lease: b does not have to wait for the sweep.
        assertThat(b.campaign()).isTrue();
    }

    @Test
    void resigningHandsOverAtOnce() throws Exception {
        a.campaign();
        b.campaign();
        a.resign();

        assertThat(a.isLeader()).isFalse();
        assertThat(store.get(KEY).get()).isEmpty();
        assertThat(b.campaign()).isTrue();
        assertThat(decide(a, "stale a")).isFalse();
    }

    @Test
    void aReplicaThatNeverLedIsFencedEvenWhileTheKeyIsAbsent() throws Exception {
        assertThat(store.get(KEY).get()).isEmpty();
        assertThat(decide(b, "b")).isFalse();
    }

    @Test
    void aStandbyCampaignsAsSoonAsTheLeaderKeyIsDeleted() throws Exception {
        // A long TTL: the periodic campaign comes every 10 s, so a quick takeover can only be the watch's.
        Duration longTtl = Duration.ofSeconds(30);
        try (LeaderElection x = new LeaderElection(store, KEY, "x", longTtl, clock);
             LeaderElection y = new LeaderElection(store, KEY, "y", longTtl, clock)) {
            x.start();
            eventually(x::isLeader);
            y.start();
            eventually(() -> y.leaderId().filter("x"::equals).isPresent());

            long t0 = System.nanoTime();
            x.close();
            eventually(y::isLeader);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(y.leaderId()).contains("y");
        }
    }

    @Test
    void listenersHearGainAndLoss() throws Exception {
        int[] calls = {0};
        a.addListener(() -> calls[0]++);
        a.campaign();
        a.resign();
        assertThat(calls[0]).isEqualTo(2);
    }

}
