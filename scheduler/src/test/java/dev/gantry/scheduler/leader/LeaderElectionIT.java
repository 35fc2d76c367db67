package dev.gantry.scheduler.leader;

import dev.gantry.scheduler.store.EtcdStore;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import dev.gantry.testing.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/** The election on a real etcd: revisions, lease expiry and watches are etcd's own. */
class LeaderElectionIT {
    private static final Duration TTL = Duration.ofSeconds(2);
    private static EtcdServer etcd;
    private static Store store;

    @BeforeAll
    static void start() {
        etcd = EtcdServer.startForTest();
        store = EtcdStore.connect(etcd.endpoints());
        // Open the connection and the lease stream first: the election gives each call only
        // TTL/3, and a cold first call on a busy CI machine can take longer than that.
        try {
            store.get("/warm-up").get(30, java.util.concurrent.TimeUnit.SECONDS);
            long lease = store.grantLease(Duration.ofSeconds(5)).get(30, java.util.concurrent.TimeUnit.SECONDS);
            store.revokeLease(lease).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("etcd did not answer the warm-up calls", e);
        }
    }

    @AfterAll
    static void stop() {
        if (store != null) store.close();
        if (etcd != null) etcd.close();
    }

    private static boolean decide(LeaderElection writer, String prefix) throws Exception {
        return store.txn(writer.fence(), List.of(Op.put(prefix + "decision", "x".getBytes(StandardCharsets.UTF_8))), List.of())
                .get().succeeded();
    }

    @Test
    void oneLeaderAndAResignationHandsOverAtOnce() throws Exception {
        String prefix = EtcdServer.uniquePrefix();
        try (LeaderElection a = new LeaderElection(store, prefix + "leader", "a", TTL, Clock.systemUTC());
             LeaderElection b = new LeaderElection(store, prefix + "leader", "b", TTL, Clock.systemUTC())) {
            assertThat(a.campaign()).isTrue();
            assertThat(b.campaign()).isFalse();
            assertThat(a.fencingToken()).isEqualTo(store.get(prefix + "leader").get().orElseThrow().modRevision());
            assertThat(decide(a, prefix)).isTrue();
            assertThat(decide(b, prefix)).isFalse();

            a.resign();
            assertThat(b.campaign()).isTrue();
            assertThat(decide(a, prefix)).isFalse();
            assertThat(decide(b, prefix)).isTrue();
        }
    }

    @Test
    void aCrashedLeaderIsReplacedOnceEtcdEndsItsLeaseAndItsWritesFail() throws Exception {
        String prefix = EtcdServer.uniquePrefix();
        try (LeaderElection a = new LeaderElection(store, prefix + "leader", "a", TTL, Clock.systemUTC());
             LeaderElection b = new LeaderElection(store, prefix + "leader", "b", TTL, Clock.systemUTC())) {
            a.start();
            eventually(a::isLeader, Duration.ofSeconds(5));
            b.start();
            eventually(() -> b.leaderId().filter("a"::equals).isPresent(), Duration.ofSeconds(5));

            long t0 = System.nanoTime();
            a.abandon();
            eventually(b::isLeader, Duration.ofSeconds(10));
            Duration failover = Duration.ofNanos(System.nanoTime() - t0);
            System.out.println("etcd failover after a leader crash (lease TTL 2s): " + failover.toMillis() + " ms");
            assertThat(decide(a, prefix)).as("the crashed leader's fenced write").isFalse();
            assertThat(decide(b, prefix)).isTrue();
        }
    }

}
