package dev.gantry.scheduler.store;

import dev.gantry.testing.EtcdServer;
import io.etcd.jetcd.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * The whole store contract on a real etcd that speaks TLS only and requires client certificates,
 * reached with the scheduler's client certificate (see {@link EtcdPki}).
 */
class EtcdTlsStoreIT extends StoreContractTest {
    private static Path dir;
    private static EtcdPki pki;
    private static EtcdServer etcd;

    @AfterAll
    static void stopEtcd() throws Exception {
        if (etcd != null) etcd.close();
        if (dir != null) {
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.deleteIfExists(dir);
        }
    }

    @Override
    protected Store createStore() throws Exception {
        if (etcd == null) {
            dir = Files.createTempDirectory("gantry-etcd-pki-");
            pki = EtcdPki.create(dir);
            etcd = EtcdServer.startSecureForTest(pki.serverTls());
        }
        return EtcdStore.connect(EtcdOptions.of(etcd.endpoints()).withTls(pki.clientTls()));
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
        try (Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new))
                .sslContext(pki.clientTls().sslContext()).build()) {
            client.getKVClient().compact(revision).get();
        }
    }
}
