package dev.gantry.api.transport;

import dev.gantry.api.security.ClusterCa;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Set;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts a server whose chain includes the CA with one SHA-256 fingerprint (the one a join
 * token carries), and whose leaf that CA issued: how a joining node authenticates the
 * scheduler before it sends its token, with nothing but the token in hand (as Swarm's and
 * k3s's tokens do). Only for servers; it never accepts clients.
 */
final class PinnedCaTrust implements X509TrustManager {
    private final String fingerprint;

    PinnedCaTrust(String fingerprint) {
        this.fingerprint = fingerprint;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("the server sent no certificate");
        X509Certificate ca = Arrays.stream(chain)
                .filter(c -> ClusterCa.fingerprint(c).equalsIgnoreCase(fingerprint))
                .findFirst()
                .orElseThrow(() -> new CertificateException("the server's certificates are not from the cluster CA "
                        + "the join token names (fingerprint " + fingerprint.substring(0, Math.min(16, fingerprint.length())) + "...)"));
        try {
            var factory = CertificateFactory.getInstance("X.509");
            var path = factory.generateCertPath(Arrays.asList(chain[0]));
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the server's certificate does not verify against the pinned CA: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a pinned-CA trust manager checks servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
