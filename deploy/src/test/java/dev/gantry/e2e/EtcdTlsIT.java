package dev.gantry.e2e;

import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.Pem;
import dev.gantry.testing.EtcdServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static dev.gantry.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * `gantry scheduler` against a real etcd that speaks TLS only and requires client certificates:
 * with --etcd-cacert/--etcd-cert/--etcd-key it serves and stores a job; without a client
 * certificate it does not start and says why.
 */
class EtcdTlsIT {
    @TempDir
    Path dir;
    private EtcdServer etcd;
    private Process scheduler;

    @AfterEach
    void tearDown() throws Exception {
        Gantry.stop(scheduler, Duration.ofSeconds(10));
        if (etcd != null) etcd.close();
    }

    @Test
    void theSchedulerUsesItsClientCertificateAndFailsClearlyWithoutOne() throws Exception {
        ClusterCa ca = ClusterCa.create(Clock.systemUTC());
        Path caFile = dir.resolve("etcd-ca.pem");
        Pem.writeCertificates(caFile, List.of(ca.certificate()));
        KeyPair serverKeys = EcKeys.generate();
        Path serverCert = write("etcd-server", ca.issueServer(serverKeys.getPublic(), List.of("localhost"),
                List.of(InetAddress.getByName("127.0.0.1")), Duration.ofHours(1)), serverKeys);
        KeyPair clientKeys = EcKeys.generate();
        X509Certificate client = ca.issueNode(clientKeys.getPublic(), "gantry-scheduler", Duration.ofHours(1));
        Path clientCert = write("scheduler", client, clientKeys);
        etcd = EtcdServer.startSecureForTest(new EtcdServer.Tls(serverCert, dir.resolve("etcd-server-key.pem"), caFile,
                sslContext(ca.certificate(), client, clientKeys)));

        int port = Gantry.freePort();
        int httpPort = Gantry.freePort();
        Path log = dir.resolve("scheduler.log");
        scheduler = Gantry.start(log, "scheduler", "--etcd", etcd.endpoints().get(0), "--bind", "127.0.0.1",
                "--port", String.valueOf(port), "--http-port", String.valueOf(httpPort),
                "--etcd-cacert", caFile.toString(), "--etcd-cert", clientCert.toString(),
                "--etcd-key", dir.resolve("scheduler-key.pem").toString());
        eventually(Duration.ofSeconds(60), "the scheduler serving", () -> {
            assertThat(scheduler.isAlive()).as(Gantry.logOf(log)).isTrue();
            try {
                return Gantry.healthz(httpPort, 2000).startsWith("200");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        Path spec = Files.writeString(dir.resolve("web.yaml"), """
                name: web
                tasks:
                  - name: app
                    image: app:1
                    resources: {cpu: 100m, memory: 32Mi}
                """);
        String address = "127.0.0.1:" + port;
        Gantry.Result run = Gantry.run(address, "run", "--detach", "-f", spec.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(Gantry.run(address, "status", "web", "-o", "json").stdout()).contains("\"name\": \"web\"");
        Gantry.stop(scheduler, Duration.ofSeconds(10));

        Path log2 = dir.resolve("scheduler-no-cert.log");
        scheduler = Gantry.start(log2, "scheduler", "--etcd", etcd.endpoints().get(0), "--bind", "127.0.0.1",
                "--port", String.valueOf(port), "--http-port", String.valueOf(httpPort), "--etcd-cacert", caFile.toString());
        assertThat(scheduler.waitFor(90, TimeUnit.SECONDS)).as("the scheduler gives up").isTrue();
        assertThat(scheduler.exitValue()).isNotZero();
        assertThat(Gantry.logOf(log2)).contains("etcd requires a client certificate and none is configured");
    }

    private Path write(String name, X509Certificate certificate, KeyPair keys) throws Exception {
        Path cert = dir.resolve(name + ".pem");
        Pem.writeCertificates(cert, List.of(certificate));
        Pem.writePrivateKey(dir.resolve(name + "-key.pem"), keys.getPrivate());
        return cert;
    }

    /** For the test helper's health probe of etcd. */
    private static SSLContext sslContext(X509Certificate ca, X509Certificate client, KeyPair keys) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore own = KeyStore.getInstance("PKCS12");
        own.load(null, null);
        own.setKeyEntry("client", keys.getPrivate(), "test".toCharArray(), new X509Certificate[] {client});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(own, "test".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }
}
