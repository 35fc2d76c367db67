package dev.gantry.api.security;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * How a node's identity is written in its certificate and read back: one subject alternative
 * name URI {@code gantry://node/<node id>}. Only meaningful for a certificate whose chain was
 * verified against the cluster CA (as the TLS handshake does for a session's peer).
 */
public final class PeerIdentity {
    public static final String NODE_URI_PREFIX = "gantry://node/";
    /** The SAN URI of scheduler server certificates. */
    public static final String SCHEDULER_URI = "gantry://scheduler";

    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final int SAN_URI = 6;

    private PeerIdentity() {
    }

    /** A node id: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit (a UUID is one). */
    public static boolean isValidNodeId(String nodeId) {
        return nodeId != null && NODE_ID.matcher(nodeId).matches();
    }

    /**
     * The SAN URI naming {@code nodeId}.
     *
     * @throws IllegalArgumentException when it is not a {@linkplain #isValidNodeId valid node id}
     */
    public static String nodeUri(String nodeId) {
        if (!isValidNodeId(nodeId)) {
            throw new IllegalArgumentException("is not a node id (1 to 128 letters, digits, '.', '_' or '-'): "
                + (nodeId == null ? "null" : '"' + abbreviate(nodeId) + '"'));
        }
        return NODE_URI_PREFIX + nodeId;
    }

    /** The DNS name a node certificate also carries, for callers that verify host names: {@code <id>.node.gantry}. */
    public static String nodeHostName(String nodeId) {
        return nodeId.toLowerCase(java.util.Locale.ROOT) + ".node.gantry";
    }

    /** Whether {@code certificate} is a scheduler's (carries {@link #SCHEDULER_URI}). */
    public static boolean isScheduler(X509Certificate certificate) {
        if (certificate == null) return false;
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) return false;
            for (List<?> name : names) {
                if (name.size() == 2 && name.get(0) instanceof Integer type && type == SAN_URI
                    && SCHEDULER_URI.equals(name.get(1))) {
                    return true;
                }
            }
            return false;
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** The leaf certificate a TLS session's peer presented; empty when none. */
    public static Optional<X509Certificate> peerCertificate(SSLSession session) {
        if (session == null) return Optional.empty();
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain != null && chain.length > 0 && chain[0] instanceof X509Certificate leaf) return Optional.of(leaf);
        } catch (SSLPeerUnverifiedException e) {
            // no certificate
        }
        return Optional.empty();
    }

    /** The node id of a node certificate; empty when the certificate names no node, or more than one. */
    public static Optional<String> nodeId(X509Certificate certificate) {
        if (certificate == null) {
            return Optional.empty();
        }
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        List<String> ids = new ArrayList<>();
        for (List<?> name : names) {
            if (name.size() == 2 && name.get(0) instanceof Integer type && type == SAN_URI
                && name.get(1) instanceof String uri && uri.startsWith(NODE_URI_PREFIX)) {
                ids.add(uri.substring(NODE_URI_PREFIX.length()));
            }
        }
        if (ids.size() != 1 || !isValidNodeId(ids.get(0))) {
            return Optional.empty();
        }
        return Optional.of(ids.get(0));
    }

    /** The node id of a TLS session's peer; empty when the peer sent no certificate or not a node's. */
    public static Optional<String> nodeId(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return nodeId(leaf);
    }

    private static String abbreviate(String s) {
        String printable = s.codePoints().limit(40)
            .map(c -> c >= 0x20 && c < 0x7f ? c : '?')
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return s.length() > 40 ? printable + "..." : printable;
    }
}
