package dev.gantry.api.transport;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One key and certificate chain that can be replaced while connections are open: a renewed
 * certificate is used by every handshake after {@link #update}, with no restart and no new
 * server or channel. Connections already open keep the chain they were made with.
 * Thread-safe: handshakes read one immutable pair.
 */
public final class RenewableKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "gantry";

    private record Pair(PrivateKey key, X509Certificate[] chain) {
    }

    private volatile Pair current;
    private final java.util.List<Runnable> onUpdate = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RenewableKeyManager(PrivateKey key, List<X509Certificate> chain) {
        update(key, chain);
    }

    /** Uses {@code key} and {@code chain} (leaf first) from the next handshake on. */
    public void update(PrivateKey key, List<X509Certificate> chain) {
        Objects.requireNonNull(key, "key");
        if (chain == null || chain.isEmpty()) throw new IllegalArgumentException("a certificate chain is required");
        current = new Pair(key, chain.toArray(new X509Certificate[0]));
        onUpdate.forEach(Runnable::run);
    }

    /** Runs {@code action} after every update (transports drop cached TLS sessions, which would resume with the old certificate). */
    void onUpdate(Runnable action) {
        onUpdate.add(action);
    }

    /** The leaf certificate in use now. */
    public X509Certificate certificate() {
        return current.chain()[0];
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[]{ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return issuedByOneOf(issuers) ? ALIAS : null;
    }

    /**
     * A client offers its certificate only to a server that accepts its issuer (the server names
     * the CAs it trusts); to any other it presents none, and is anonymous at best.
     */
    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return issuedByOneOf(issuers) ? ALIAS : null;
    }

    private boolean issuedByOneOf(Principal[] issuers) {
        if (issuers == null || issuers.length == 0) return true;
        X509Certificate[] chain = current.chain();
        for (Principal p : issuers) {
            for (X509Certificate c : chain) {
                if (p.equals(c.getIssuerX500Principal()) || p.equals(c.getSubjectX500Principal())) return true;
            }
        }
        return false;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[]{ALIAS};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? current.chain().clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? current.key() : null;
    }
}
