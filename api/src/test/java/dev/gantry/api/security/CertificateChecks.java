package dev.gantry.api.security;

import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

/** What the JDK's PKIX validator and certificate parser say about issued certificates. */
final class CertificateChecks {
  private CertificateChecks() {
  }

  /** Validates {@code leaf} against {@code ca} as the only trust anchor, at {@code at}; throws when invalid. */
  static void validate(X509Certificate leaf, X509Certificate ca, Instant at) throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
  }

  /** The subject alternative names as "type:value" (2 = DNS, 6 = URI, 7 = IP). */
  static List<String> sans(X509Certificate certificate) throws Exception {
    List<String> names = new ArrayList<>();
    if (certificate.getSubjectAlternativeNames() != null) {
      for (List<?> name : certificate.getSubjectAlternativeNames()) {
        names.add(name.get(0) + ":" + name.get(1));
      }
    }
    return names;
  }
}
