package dev.gantry.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class PeerIdentityTest {
  @Test
  void nodeIdsAreShortPlainNames() {
    assertThat(PeerIdentity.isValidNodeId("3f1c9a2e-7d4b-4c1e-9a55-0d2b8e6f4a10")).isTrue();
    assertThat(PeerIdentity.isValidNodeId("worker_1.rack-2")).isTrue();
    assertThat(PeerIdentity.isValidNodeId("x".repeat(128))).isTrue();
    assertThat(PeerIdentity.isValidNodeId("x".repeat(129))).isFalse();
    assertThat(PeerIdentity.isValidNodeId(".hidden")).isFalse();
    assertThat(PeerIdentity.isValidNodeId("a/b")).isFalse();
    assertThat(PeerIdentity.isValidNodeId("a\nb")).isFalse();
    assertThat(PeerIdentity.isValidNodeId(null)).isFalse();
    assertThat(PeerIdentity.nodeUri("n-1")).isEqualTo("gantry://node/n-1");
    assertThatThrownBy(() -> PeerIdentity.nodeUri("a\u0000b" + "y".repeat(100)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"a?b")
        .hasMessageEndingWith("...\"");
  }

  @Test
  void aCertificateNamingTwoNodesOrABadIdNamesNone() throws Exception {
    assertThat(PeerIdentity.nodeId(selfSigned(uri("gantry://node/a"), uri("gantry://node/b")))).isEmpty();
    assertThat(PeerIdentity.nodeId(selfSigned(uri("gantry://node/../x")))).isEmpty();
    assertThat(PeerIdentity.nodeId(selfSigned(uri("gantry://node/")))).isEmpty();
    assertThat(PeerIdentity.nodeId(selfSigned(uri("https://node/a")))).isEmpty();
    assertThat(PeerIdentity.nodeId(selfSigned(new GeneralName(GeneralName.dNSName, "a"), uri("gantry://node/a"))))
        .contains("a");
    assertThat(PeerIdentity.nodeId((X509Certificate) null)).isEmpty();
    assertThat(PeerIdentity.nodeId((SSLSession) null)).isEmpty();
  }

  private static GeneralName uri(String uri) {
    return new GeneralName(GeneralName.uniformResourceIdentifier, uri);
  }

  private static X509Certificate selfSigned(GeneralName... names) throws Exception {
    KeyPair key = EcKeys.generate();
    X500Name subject = new X500Name("CN=test");
    return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
        Date.from(Instant.now()), Date.from(Instant.now().plusSeconds(60)), subject, key.getPublic())
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
  }
}
