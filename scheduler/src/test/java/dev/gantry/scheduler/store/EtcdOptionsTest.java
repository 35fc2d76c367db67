package dev.gantry.scheduler.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.Pem;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the scheduler checks about its etcd settings before it dials: every mistake named, with its file. */
class EtcdOptionsTest {
    private static final Clock NOW = Clock.systemUTC();
    @TempDir
    Path dir;
    private ClusterCa ca;
    private Path caFile;
    private Path cert;
    private Path key;

    @BeforeEach
    void pki() throws Exception {
        ca = ClusterCa.create(NOW);
        caFile = dir.resolve("ca.pem");
        Pem.writeCertificates(caFile, List.of(ca.certificate()));
        KeyPair keys = EcKeys.generate();
        cert = dir.resolve("client.pem");
        key = dir.resolve("client-key.pem");
        Pem.writeCertificates(cert, List.of(ca.issueNode(keys.getPublic(), "scheduler", Duration.ofHours(1))));
        Pem.writePrivateKey(key, keys.getPrivate());
    }

    @Test
    void aMatchingCertificateAndKeyLoad() {
        EtcdTls tls = EtcdTls.load(caFile, cert, key, NOW);
        assertThat(tls.hasClientCertificate()).isTrue();
        assertThat(tls.trusted()).containsExactly(ca.certificate());
        assertThat(tls.toString()).doesNotContain("PRIVATE").contains("CN=scheduler");
        assertThat(tls.sslContext().isClient()).isTrue();
    }

    @Test
    void theCaAloneIsEnoughForAnEtcdWithoutClientCertificates() {
        assertThat(EtcdTls.load(caFile, null, null, NOW).hasClientCertificate()).isFalse();
    }

    @Test
    void anRsaClientKeyIsAcceptedToo() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair keys = rsa.generateKeyPair();
        X500Name name = new X500Name("CN=etcd-client");
        Instant now = NOW.instant();
        X509Certificate selfSigned = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                name, BigInteger.ONE, Date.from(now.minusSeconds(60)), Date.from(now.plusSeconds(3600)), name, keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        Path rsaCert = dir.resolve("rsa.pem");
        Path rsaKey = dir.resolve("rsa-key.pem");
        Pem.writeCertificates(rsaCert, List.of(selfSigned));
        Pem.writePrivateKey(rsaKey, keys.getPrivate());
        assertThat(EtcdTls.load(null, rsaCert, rsaKey, NOW).hasClientCertificate()).isTrue();
        assertThatThrownBy(() -> EtcdTls.load(null, rsaCert, key, NOW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not the key of the certificate in " + rsaCert);
    }

    @Test
    void missingUnreadableAndMalformedFilesAreNamed() throws Exception {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> EtcdTls.load(missing, null, null, NOW))
                .hasMessage("etcd CA file " + missing + " does not exist");
        assertThatThrownBy(() -> EtcdTls.load(dir, null, null, NOW))
                .hasMessage("etcd CA file " + dir + " is a directory, not a file");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        assertThatThrownBy(() -> EtcdTls.load(garbage, null, null, NOW))
                .hasMessage("etcd CA file " + garbage + ": holds no PEM certificate");
        assertThatThrownBy(() -> EtcdTls.load(caFile, cert, garbage, NOW))
                .hasMessageStartingWith("etcd client key file " + garbage);
        assertThatThrownBy(() -> EtcdTls.load(caFile, key, key, NOW))
                .hasMessageStartingWith("etcd client certificate file " + key);
    }

    @Test
    void aCertificateNeedsItsKeyAndTheKeyMustBeItsOwn() throws Exception {
        assertThatThrownBy(() -> EtcdTls.load(caFile, cert, null, NOW)).hasMessageContaining("needs its key too");
        assertThatThrownBy(() -> EtcdTls.load(caFile, null, key, NOW)).hasMessageContaining("needs its certificate too");
        Path otherKey = dir.resolve("other-key.pem");
        Pem.writePrivateKey(otherKey, EcKeys.generate().getPrivate());
        assertThatThrownBy(() -> EtcdTls.load(caFile, cert, otherKey, NOW))
                .hasMessage("the etcd client key " + otherKey + " is not the key of the certificate in " + cert + " (CN=scheduler)");
    }

    @Test
    void anExpiredOrServerOnlyCertificateFailsBeforeDialling() throws Exception {
        ClusterCa past = ClusterCa.create(Clock.fixed(NOW.instant().minus(Duration.ofDays(2)), ZoneOffset.UTC));
        KeyPair keys = EcKeys.generate();
        Path old = dir.resolve("old.pem");
        Path oldKey = dir.resolve("old-key.pem");
        Pem.writeCertificates(old, List.of(past.issueNode(keys.getPublic(), "scheduler", Duration.ofHours(1))));
        Pem.writePrivateKey(oldKey, keys.getPrivate());
        assertThatThrownBy(() -> EtcdTls.load(caFile, old, oldKey, NOW)).hasMessageContaining(old + " expired on ");

        Path server = dir.resolve("server.pem");
        Pem.writeCertificates(server, List.of(ca.issueServer(keys.getPublic(), List.of(),
                List.of(InetAddress.getByName("127.0.0.1")), Duration.ofHours(1))));
        assertThatThrownBy(() -> EtcdTls.load(caFile, server, oldKey, NOW))
                .hasMessageContaining("may not be used by a TLS client: its extended key usage lacks clientAuth");
    }

    @Test
    void endpointsMustAgreeWithTheTlsSettings() {
        EtcdTls tls = EtcdTls.load(caFile, cert, key, NOW);
        assertThatThrownBy(() -> EtcdOptions.of(List.of("http://10.0.0.1:2379")).withTls(tls))
                .hasMessageContaining("etcd TLS files are given but the endpoints are plaintext http://");
        assertThatThrownBy(() -> EtcdOptions.of(List.of("https://10.0.0.1:2379", "http://10.0.0.2:2379")))
                .hasMessageContaining("mix http:// and https://");
        assertThatThrownBy(() -> EtcdOptions.of(List.of("10.0.0.1:2379")))
                .hasMessageContaining("is not an http://HOST:PORT or https://HOST:PORT URL");
        assertThatThrownBy(() -> EtcdOptions.of(List.of("https://10.0.0.1")))
                .hasMessageContaining("is not an http://HOST:PORT or https://HOST:PORT URL");
        assertThatThrownBy(() -> EtcdOptions.of(List.of())).hasMessage("no etcd endpoints given");
        assertThat(EtcdOptions.of(List.of("https://10.0.0.1:2379")).secure()).isTrue();
        assertThat(EtcdOptions.of(List.of("http://10.0.0.1:2379")).withTls(null).secure()).isFalse();
    }

    @Test
    void thePasswordFileHoldsThePasswordAloneAndNothingShowsIt() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "s3cret with spaces\n");
        assertThat(EtcdCredentials.readPasswordFile(file)).isEqualTo("s3cret with spaces");
        assertThat(EtcdCredentials.readPasswordFile(Files.writeString(dir.resolve("crlf"), "pw\r\n"))).isEqualTo("pw");
        assertThatThrownBy(() -> EtcdCredentials.readPasswordFile(Files.writeString(dir.resolve("empty"), "\n")))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> EtcdCredentials.readPasswordFile(dir.resolve("missing")))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> EtcdCredentials.readPasswordFile(Files.write(dir.resolve("big"), new byte[5000])))
                .hasMessageContaining("larger than");
        EtcdCredentials credentials = new EtcdCredentials("root", "s3cret");
        assertThat(credentials.toString()).doesNotContain("s3cret");
        assertThat(EtcdOptions.of(List.of("https://10.0.0.1:2379")).withCredentials(credentials).toString())
                .doesNotContain("s3cret").contains("user root");
        assertThatThrownBy(() -> new EtcdCredentials("root", "")).hasMessageContaining("needs a password");
    }
}
