package dev.gantry.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gantry.testing.ManualClock;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class ClusterCaTest {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private final ManualClock clock = new ManualClock();
  private final ClusterCa ca = ClusterCa.create(clock);

  @Test
  void aNewCaIsSelfSignedMaySignOnlyLeavesAndLastsTenYears() throws Exception {
    X509Certificate cert = ca.certificate();
    assertThat(cert.getVersion()).isEqualTo(3);
    assertThat(cert.getSubjectX500Principal().getName()).matches("CN=Gantry cluster CA [0-9a-f]{16}");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    cert.verify(cert.getPublicKey());
    assertThat(cert.getBasicConstraints()).isEqualTo(0);
    assertThat(cert.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
    boolean[] usage = cert.getKeyUsage();
    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[6]).as("cRLSign").isTrue();
    assertThat(usage[0]).as("digitalSignature").isFalse();
    assertThat(EcKeys.isP256(cert.getPublicKey())).isTrue();
    assertThat(cert.getNotAfter().toInstant())
        .isEqualTo(ManualClock.DEFAULT_START.atOffset(ZoneOffset.UTC).plusYears(10).toInstant());
    assertThat(cert.getNotBefore().toInstant()).isBeforeOrEqualTo(ManualClock.DEFAULT_START);
    assertThat(ClusterCa.create(clock).certificate().getSubjectX500Principal())
        .isNotEqualTo(cert.getSubjectX500Principal());
  }

  @Test
  void theFingerprintIsTheSha256OfTheDerCertificate() throws Exception {
    String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ca.certificate().getEncoded()));
    assertThat(ca.fingerprint()).isEqualTo(expected).matches("[0-9a-f]{64}");
    assertThat(ClusterCa.fingerprint(ca.certificate())).isEqualTo(expected);
    assertThat(ClusterCa.create(clock).fingerprint()).isNotEqualTo(expected);
  }

  @Test
  void aServerCertificateNamesItsHostsAndAddressesAndServesOnly() throws Exception {
    KeyPair key = EcKeys.generate();
    X509Certificate cert = ca.issueServer(key.getPublic(), List.of("localhost", "scheduler.gantry.internal"),
        List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")), Duration.ofDays(30));
    CertificateChecks.validate(cert, ca.certificate(), clock.instant());
    assertThat(CertificateChecks.sans(cert)).containsExactly(
        "2:localhost", "2:scheduler.gantry.internal", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1");
    assertThat(cert.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isFalse();
    assertThat(cert.getPublicKey()).isEqualTo(key.getPublic());
    assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(30)));
    assertThat(PeerIdentity.nodeId(cert)).isEmpty();
  }

  @Test
  void aServerCertificateNeedsANameAndRealHostNames() {
    KeyPair key = EcKeys.generate();
    assertThatThrownBy(() -> ca.issueServer(key.getPublic(), List.of(), List.of(), Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one DNS name or IP address");
    for (String bad : List.of("", "two words", "-leading.example", "a..b", "x".repeat(64) + ".example", "*.example")) {
      assertThatThrownBy(() -> ca.issueServer(key.getPublic(), List.of(bad), List.of(), Duration.ofDays(1)))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a DNS host name");
    }
  }

  @Test
  void aSchedulerCertificateServesAndConnectsAndIsMarkedAsAScheduler() throws Exception {
    KeyPair key = EcKeys.generate();
    X509Certificate cert = ca.issueScheduler(key.getPublic(), List.of("localhost"), List.of(InetAddress.getByName("127.0.0.1")),
        Duration.ofDays(30));
    CertificateChecks.validate(cert, ca.certificate(), clock.instant());
    assertThat(CertificateChecks.sans(cert)).containsExactly("2:localhost", "7:127.0.0.1", "6:" + PeerIdentity.SCHEDULER_URI);
    assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder(CLIENT_AUTH, SERVER_AUTH);
    assertThat(PeerIdentity.isScheduler(cert)).isTrue();
    assertThat(PeerIdentity.nodeId(cert)).isEmpty();
    assertThat(PeerIdentity.isScheduler(ca.issueNode(key.getPublic(), "n1", Duration.ofDays(1)))).isFalse();
  }

  @Test
  void aNodeCertificateNamesTheNodeAndBothConnectsAndServes() throws Exception {
    KeyPair key = EcKeys.generate();
    X509Certificate cert = ca.issueNode(key.getPublic(), "3f1c9a2e-7d4b-4c1e-9a55-0d2b8e6f4a10", Duration.ofDays(90));
    CertificateChecks.validate(cert, ca.certificate(), clock.instant());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=3f1c9a2e-7d4b-4c1e-9a55-0d2b8e6f4a10");
    assertThat(CertificateChecks.sans(cert)).containsExactly("6:gantry://node/3f1c9a2e-7d4b-4c1e-9a55-0d2b8e6f4a10",
        "2:3f1c9a2e-7d4b-4c1e-9a55-0d2b8e6f4a10.node.gantry");
    assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder(CLIENT_AUTH, SERVER_AUTH);
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(PeerIdentity.nodeId(cert)).contains("3f1c9a2e-7d4b-4c1e-9a55-0d2b8e6f4a10");
  }

  @Test
  void nodeIdsAreCheckedBeforeTheyReachACertificate() {
    KeyPair key = EcKeys.generate();
    for (String bad : List.of("", "../etc", "a b", "node/1", "x".repeat(129), "é")) {
      assertThatThrownBy(() -> ca.issueNode(key.getPublic(), bad, Duration.ofDays(1)))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a node id");
    }
    assertThatThrownBy(() -> ca.issueNode(key.getPublic(), null, Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyP256KeysAreCertified() throws Exception {
    KeyPair rsa = rsa();
    KeyPair p384 = ec("secp384r1");
    assertThatThrownBy(() -> ca.issueNode(rsa.getPublic(), "node-1", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not EC P-256");
    assertThatThrownBy(() -> ca.issueServer(p384.getPublic(), List.of("localhost"), List.of(), Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not EC P-256");
  }

  @Test
  void aCertificateRequestGetsTheIdentityTheCaDecidesNotTheOneItAsksFor() throws Exception {
    KeyPair key = EcKeys.generate();
    ExtensionsGenerator asked = new ExtensionsGenerator();
    asked.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    asked.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.uniformResourceIdentifier, "gantry://node/the-scheduler"),
        new GeneralName(GeneralName.dNSName, "evil.example")}));
    byte[] csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=admin,O=system:masters"), key.getPublic())
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, asked.generate())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
        .getEncoded();

    X509Certificate cert = ca.signCsr(csr, "node-7", Duration.ofDays(1));

    CertificateChecks.validate(cert, ca.certificate(), clock.instant());
    assertThat(cert.getPublicKey()).isEqualTo(key.getPublic());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=node-7");
    assertThat(CertificateChecks.sans(cert)).containsExactly("6:gantry://node/node-7", "2:node-7.node.gantry");
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(PeerIdentity.nodeId(cert)).contains("node-7");
  }

  @Test
  void aRequestMadeByCsrIsSigned() throws Exception {
    KeyPair key = EcKeys.generate();
    X509Certificate cert = ca.signCsr(Csr.create(key, "whatever"), "node-8", Duration.ofHours(1));
    assertThat(cert.getPublicKey()).isEqualTo(key.getPublic());
    assertThat(PeerIdentity.nodeId(cert)).contains("node-8");
  }

  @Test
  void requestsForOtherKeysAreRefused() throws Exception {
    KeyPair rsa = rsa();
    byte[] rsaCsr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=n"), rsa.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(rsa.getPrivate())).getEncoded();
    KeyPair p384 = ec("secp384r1");
    byte[] p384Csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=n"), p384.getPublic())
        .build(new JcaContentSignerBuilder("SHA384withECDSA").build(p384.getPrivate())).getEncoded();
    assertThatThrownBy(() -> ca.signCsr(rsaCsr, "node-1", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the certificate request's key is not EC P-256, the only kind accepted");
    assertThatThrownBy(() -> ca.signCsr(p384Csr, "node-1", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not EC P-256");
  }

  @Test
  void aRequestWhoseSignatureDoesNotVerifyIsRefused() throws Exception {
    byte[] csr = Csr.create(EcKeys.generate(), "n");
    // The signature's last byte is the last byte of the request: change the signature, keep the DER.
    csr[csr.length - 1] ^= 0x01;
    assertThatThrownBy(() -> ca.signCsr(csr, "node-1", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the certificate request's signature does not verify");

    // A request signed by another key than the one it names.
    KeyPair named = EcKeys.generate();
    KeyPair signer = EcKeys.generate();
    byte[] forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=n"), named.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())).getEncoded();
    assertThatThrownBy(() -> ca.signCsr(forged, "node-1", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the certificate request's signature does not verify");
  }

  @Test
  void whatIsNotARequestIsRefusedWithTheDocumentedException() {
    byte[] good = Csr.create(EcKeys.generate(), "n");
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 10);
    for (byte[] junk : List.of(new byte[] {0x30}, "hello".getBytes(), truncated, trailing, new byte[100])) {
      assertThatThrownBy(() -> ca.signCsr(junk, "node-1", Duration.ofDays(1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ca.signCsr(new byte[0], "node-1", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the certificate request is empty");
    assertThatThrownBy(() -> ca.signCsr(new byte[ClusterCa.MAX_CSR_BYTES + 1], "node-1", Duration.ofDays(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
  }

  @Test
  void lifetimesArePositiveAndEndWithinTheCa() {
    KeyPair key = EcKeys.generate();
    assertThatThrownBy(() -> ca.issueNode(key.getPublic(), "n", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> ca.issueNode(key.getPublic(), "n", Duration.ofHours(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    assertThatThrownBy(() -> ca.issueNode(key.getPublic(), "n", Duration.ofDays(3660)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("would outlive the CA");
  }

  @Test
  void certificatesExpireByTheClockTheCaWasGiven() throws Exception {
    KeyPair key = EcKeys.generate();
    X509Certificate cert = ca.issueNode(key.getPublic(), "n", Duration.ofHours(1));
    Instant issued = clock.instant();
    assertThat(cert.getNotBefore().toInstant()).isEqualTo(issued.minus(Duration.ofMinutes(5)));
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(issued.plus(Duration.ofHours(1)));
    CertificateChecks.validate(cert, ca.certificate(), issued.plus(Duration.ofMinutes(59)));
    assertThatThrownBy(() -> CertificateChecks.validate(cert, ca.certificate(), issued.plus(Duration.ofMinutes(61))))
        .isInstanceOf(CertPathValidatorException.class).hasMessageContaining("validity check failed");
  }

  @Test
  void serialNumbersAreRandomPositiveAndAtMost128Bits() {
    KeyPair key = EcKeys.generate();
    Set<BigInteger> serials = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      BigInteger serial = ca.issueNode(key.getPublic(), "n", Duration.ofHours(1)).getSerialNumber();
      assertThat(serial.signum()).isEqualTo(1);
      assertThat(serial.bitLength()).isLessThanOrEqualTo(128);
      serials.add(serial);
    }
    assertThat(serials).hasSize(20);
    assertThat(serials.stream().mapToInt(BigInteger::bitLength).max().getAsInt()).isGreaterThan(120);
  }

  @Test
  void aCaLoadedFromPemIsTheSameCa() throws Exception {
    ClusterCa loaded = ClusterCa.fromPem(Pem.encodeCertificate(ca.certificate()), Pem.encodePrivateKey(ca.privateKey()),
        Clock.systemUTC());
    assertThat(loaded.fingerprint()).isEqualTo(ca.fingerprint());
    X509Certificate cert = loaded.issueNode(EcKeys.generate().getPublic(), "n", Duration.ofHours(1));
    CertificateChecks.validate(cert, ca.certificate(), Instant.now());
  }

  @Test
  void aCaIsNotLoadedWithAnotherKeyOrFromALeafCertificate() {
    ClusterCa other = ClusterCa.create(clock);
    assertThatThrownBy(() -> ClusterCa.of(ca.certificate(), other.privateKey(), clock))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the private key is not the CA certificate's key");
    KeyPair key = EcKeys.generate();
    X509Certificate leaf = ca.issueServer(key.getPublic(), List.of("localhost"), List.of(), Duration.ofDays(1));
    assertThatThrownBy(() -> ClusterCa.of(leaf, key.getPrivate(), clock))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a CA");
    assertThatThrownBy(() -> ClusterCa.fromPem("not pem", Pem.encodePrivateKey(ca.privateKey()), clock))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static KeyPair ec(String curve) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(curve));
    return generator.generateKeyPair();
  }
}
