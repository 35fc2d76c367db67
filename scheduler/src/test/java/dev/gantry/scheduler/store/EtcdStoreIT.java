package dev.gantry.scheduler.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.testing.EtcdServer;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The contract on a real etcd (a private process, or GANTRY_ETCD_ENDPOINTS), plus etcd-only behaviour. */
class EtcdStoreIT extends StoreContractTest {
    /** Shared by all tests of the class: one etcd start (about a second) instead of one per test. */
    private static EtcdServer etcd;

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    protected Store createStore() {
        // Started by the first test rather than in @BeforeAll, so that a missing etcd shows up as
        // skipped (or, under CI=true, failed) tests in the report instead of a silently empty class.
        if (etcd == null) {
            etcd = EtcdServer.startForTest();
        }
        return EtcdStore.connect(etcd.endpoints());
    }

    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(2);
    }

    @Override
    protected void elapse(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }

    @Override
    protected void compact(long revision) throws Exception {
        Assumptions.assumeFalse(etcd.isExternal(), "compaction would disturb other users of a shared etcd");
        try (Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
            client.getKVClient().compact(revision).get();
        }
    }

    @Test
    void aCallToAnUnreachableEtcdFailsWithinItsDeadline() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (Store unreachable = EtcdStore.connect(List.of("http://127.0.0.1:" + closedPort), Duration.ofMillis(500))) {
            long start = System.nanoTime();
            Throwable error = failure(unreachable.txn(List.of(), List.of(Op.put("/k", bytes("v"))), List.of()));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(error).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("127.0.0.1:" + closedPort + ": cannot connect");
            assertThat(took).isLessThan(Duration.ofSeconds(3));

            start = System.nanoTime();
            assertThat(failure(unreachable.get("/k"))).isInstanceOf(TimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("reads wait for etcd, not retry on top")
                    .isLessThan(Duration.ofSeconds(3));
        }
    }
}
