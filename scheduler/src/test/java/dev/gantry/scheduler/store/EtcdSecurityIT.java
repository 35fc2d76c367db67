package dev.gantry.scheduler.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.testing.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real etcd that requires client certificates refuses the scheduler's store unless it presents
 * one from the CA etcd trusts and trusts etcd's own; with etcd's auth enabled, only the right
 * password gets in. Every refusal must fail the call, never hang past its deadline.
 */
class EtcdSecurityIT {
    private static final Duration SHORT = Duration.ofSeconds(3);
    @TempDir
    static Path dir;
    private static EtcdPki pki;
    private static EtcdServer etcd;

    @BeforeAll
    static void start() throws Exception {
        pki = EtcdPki.create(dir);
        etcd = EtcdServer.startSecureForTest(pki.serverTls());
    }

    @AfterAll
    static void stop() {
        if (etcd != null) etcd.close();
    }

    private static EtcdOptions options() {
        return EtcdOptions.of(etcd.endpoints()).withCallTimeout(SHORT);
    }

    @Test
    void theRightClientCertificateWritesAndReads() throws Exception {
        try (Store store = EtcdStore.connect(options().withTls(pki.clientTls()))) {
            store.txn(List.of(), List.of(Op.put("/tls/k", "v".getBytes(UTF_8))), List.of()).get(10, TimeUnit.SECONDS);
            assertThat(new String(store.get("/tls/k").get(10, TimeUnit.SECONDS).orElseThrow().value(), UTF_8)).isEqualTo("v");
        }
    }

    @Test
    void withoutAClientCertificateEtcdRefusesAndTheErrorSaysSo() {
        EtcdTls trustOnly = EtcdTls.load(pki.caFile(), null, null, Clock.systemUTC());
        assertThat(failure(trustOnly)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("etcd requires a client certificate and none is configured");
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() {
        EtcdTls foreign = EtcdTls.load(pki.caFile(), pki.foreignCert(), pki.foreignKey(), Clock.systemUTC());
        assertThat(failure(foreign)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("etcd refused our client certificate");
    }

    @Test
    void anEtcdWhoseCertificateWeDoNotTrustIsRefused() {
        EtcdTls wrongCa = EtcdTls.load(pki.foreignCaFile(), pki.clientCert(), pki.clientKey(), Clock.systemUTC());
        assertThat(failure(wrongCa)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("etcd's certificate is not issued by a trusted CA");
    }

    @Test
    void plaintextToATlsEtcdIsRefused() {
        String http = etcd.endpoints().get(0).replace("https://", "http://");
        try (Store store = EtcdStore.connect(EtcdOptions.of(List.of(http)).withCallTimeout(SHORT))) {
            assertThat(failureOf(store.get("/tls/k"))).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("if etcd speaks TLS here, use https:// URLs");
        }
    }

    /**
     * etcd's own auth on top of client certificates: the right password reads and writes, also
     * after the auth token expired (etcd forgets idle simple tokens after --auth-token-ttl); a
     * wrong one, or none (etcd then takes the certificate's CN, an unknown user), is refused.
     */
    @Test
    void withAuthEnabledOnlyTheRightPasswordGetsIn() throws Exception {
        try (EtcdServer authEtcd = EtcdServer.startSecureForTest(pki.serverTls(), "--auth-token-ttl=1")) {
            try (Client admin = Client.builder().endpoints(authEtcd.endpoints().toArray(String[]::new))
                    .sslContext(pki.clientTls().sslContext()).build()) {
                var auth = admin.getAuthClient();
                auth.userAdd(bytes("root"), bytes("r00t-pw")).get(10, TimeUnit.SECONDS);
                auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
                auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
                auth.authEnable().get(10, TimeUnit.SECONDS);
            }
            EtcdOptions base = EtcdOptions.of(authEtcd.endpoints()).withCallTimeout(SHORT).withTls(pki.clientTls());

            try (Store store = EtcdStore.connect(base.withCredentials(new EtcdCredentials("root", "r00t-pw")))) {
                store.txn(List.of(), List.of(Op.put("/auth/k", "v".getBytes(UTF_8))), List.of()).get(10, TimeUnit.SECONDS);
                assertThat(store.get("/auth/k").get(10, TimeUnit.SECONDS)).isPresent();
                Thread.sleep(2_500); // longer than --auth-token-ttl: the token is gone, the client must log in again
                assertThat(store.get("/auth/k").get(10, TimeUnit.SECONDS)).isPresent();
                store.txn(List.of(), List.of(Op.put("/auth/k", "w".getBytes(UTF_8))), List.of()).get(10, TimeUnit.SECONDS);
            }
            try (Store store = EtcdStore.connect(base.withCredentials(new EtcdCredentials("root", "wrong")))) {
                Throwable error = failureOf(store.get("/auth/k"));
                assertThat(error).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("etcd refused access").hasMessageContaining("invalid user ID or password");
            }
            try (Store store = EtcdStore.connect(base)) {
                Throwable error = failureOf(store.get("/auth/k"));
                assertThat(error).isInstanceOf(IllegalStateException.class).hasMessageContaining("etcd refused access");
            }
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, UTF_8);
    }

    private static Throwable failure(EtcdTls tls) {
        try (Store store = EtcdStore.connect(options().withTls(tls))) {
            return failureOf(store.get("/tls/k"));
        }
    }

    static Throwable failureOf(CompletableFuture<?> call) {
        long start = System.nanoTime();
        try {
            call.get(30, TimeUnit.SECONDS);
            throw new AssertionError("the call succeeded");
        } catch (ExecutionException e) {
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused within the call deadline and the diagnosis")
                    .isLessThan(SHORT.multipliedBy(2).plusSeconds(3));
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
