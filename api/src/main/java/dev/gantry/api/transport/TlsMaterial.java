package dev.gantry.api.transport;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * What one side of a TLS connection holds: the cluster CA, the only issuer it trusts; its own
 * private key and certificate chain (leaf first), which a server must have and a client may
 * (to be known by its certificate); and, for a server, whether clients must present a
 * certificate. {@link #toString()} never shows the key.
 */
public record TlsMaterial(X509Certificate ca, PrivateKey key, List<X509Certificate> chain, ClientAuth clientAuth) {
    /** Whether a server asks clients for a certificate (always one the cluster CA issued). */
    public enum ClientAuth {
        /** Clients are not asked for one. */
        NONE,
        /** Clients may present one (callers without, e.g. using a bearer token, are let in too). */
        OPTIONAL,
        /** Clients must present one: for ports that only agents use. */
        REQUIRE
    }

    /**
     * @throws IllegalArgumentException when a key is given without a chain or the reverse
     */
    public TlsMaterial {
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(clientAuth, "clientAuth");
        chain = chain == null ? List.of() : List.copyOf(chain);
        if ((key == null) != chain.isEmpty()) {
            throw new IllegalArgumentException("a private key and its certificate chain go together: give both or neither");
        }
    }

    /** Material with a key and certificate chain, for a server (or a client known by its certificate). */
    public static TlsMaterial of(X509Certificate ca, PrivateKey key, List<X509Certificate> chain, ClientAuth clientAuth) {
        return new TlsMaterial(ca, key, chain, clientAuth);
    }

    /** A client that trusts the cluster CA and presents no certificate of its own. */
    public static TlsMaterial trustOnly(X509Certificate ca) {
        return new TlsMaterial(ca, null, List.of(), ClientAuth.NONE);
    }

    public boolean hasKey() {
        return key != null;
    }

    @Override
    public String toString() {
        return "TlsMaterial[ca=" + ca.getSubjectX500Principal().getName()
            + ", leaf=" + (chain.isEmpty() ? "none" : chain.get(0).getSubjectX500Principal().getName())
            + ", clientAuth=" + clientAuth + "]";
    }
}
