package dev.gantry.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  private static final ClusterCa CA = ClusterCa.create(Clock.systemUTC());

  @TempDir
  Path dir;

  @Test
  void certificatesAndChainsRoundTripInOrder() {
    X509Certificate leaf = CA.issueNode(EcKeys.generate().getPublic(), "n", Duration.ofHours(1));
    String one = Pem.encodeCertificate(leaf);
    assertThat(one).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
    assertThat(one.lines().filter(l -> !l.startsWith("-----")).mapToInt(String::length).max().getAsInt())
        .isLessThanOrEqualTo(64);
    assertThat(Pem.decodeCertificate(one)).isEqualTo(leaf);
    String chain = Pem.encodeCertificates(List.of(leaf, CA.certificate()));
    assertThat(Pem.decodeCertificates(chain)).containsExactly(leaf, CA.certificate());
    assertThat(Pem.decodeCertificates("comment before\n" + chain.replace("\n", "\r\n"))).containsExactly(leaf, CA.certificate());
    assertThatThrownBy(() -> Pem.decodeCertificate(chain))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("expected one PEM certificate, found 2");
  }

  @Test
  void privateKeysRoundTripAsPkcs8AndOpenSslEcKeysAreRead() throws Exception {
    KeyPair key = EcKeys.generate();
    String pem = Pem.encodePrivateKey(key.getPrivate());
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
    PrivateKey read = Pem.decodePrivateKey(pem);
    assertThat(read.getEncoded()).isEqualTo(key.getPrivate().getEncoded());
    assertThat(EcKeys.matches(read, key.getPublic())).isTrue();

    byte[] sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ((ECPrivateKey) key.getPrivate()).getS(),
        X9ObjectIdentifiers.prime256v1).getEncoded();
    String openssl = "-----BEGIN EC PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(sec1)
        + "\n-----END EC PRIVATE KEY-----\n";
    assertThat(EcKeys.matches(Pem.decodePrivateKey(openssl), key.getPublic())).isTrue();
  }

  @Test
  void certificateRequestsRoundTrip() {
    byte[] csr = Csr.create(EcKeys.generate(), "n");
    String pem = Pem.encodeCsr(csr);
    assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----\n");
    assertThat(Pem.decodeCsr(pem)).isEqualTo(csr);
  }

  @Test
  void whatIsNotTheExpectedPemIsRefusedWithoutQuotingIt() {
    String key = Pem.encodePrivateKey(EcKeys.generate().getPrivate());
    String cert = Pem.encodeCertificate(CA.certificate());
    assertThatThrownBy(() -> Pem.decodeCertificates(key))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("expected PEM certificates, found a private key");
    assertThatThrownBy(() -> Pem.decodePrivateKey(cert))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("expected a PEM private key, found a certificate");
    assertThatThrownBy(() -> Pem.decodePrivateKey(key + key))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found 2 PEM blocks");
    assertThatThrownBy(() -> Pem.decodeCertificates(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("holds no PEM certificate");
    assertThatThrownBy(() -> Pem.decodeCsr(cert)).isInstanceOf(IllegalArgumentException.class);
    String broken = key.replace(key.substring(40, 60), "!!!!secret-ish!!!!!!");
    assertThatThrownBy(() -> Pem.decodePrivateKey(broken))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret-ish");
    assertThatThrownBy(() -> Pem.decodePrivateKey(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPrivateKeyFileIsOnlyEverTheOwners() throws Exception {
    Path file = dir.resolve("keys/node.key");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "old, world-readable");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    KeyPair key = EcKeys.generate();

    Pem.writePrivateKey(file, key.getPrivate());

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(EcKeys.matches(Pem.readPrivateKey(file), key.getPublic())).isTrue();
    try (var left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file);
    }
  }

  @Test
  void aCertificateFileIsReadableByAllAndNamedInErrors() throws Exception {
    Path file = dir.resolve("ca.crt");
    Pem.writeCertificates(file, List.of(CA.certificate()));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
    assertThat(Pem.readCertificates(file)).containsExactly(CA.certificate());
    Files.writeString(file, "garbage", StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> Pem.readCertificates(file))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(file + ": holds no PEM certificate");
    assertThatThrownBy(() -> Pem.readPrivateKey(file))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(file + ": ");
  }
}
