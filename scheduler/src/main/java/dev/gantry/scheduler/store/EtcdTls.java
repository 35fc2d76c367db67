package dev.gantry.scheduler.store;

import dev.gantry.api.security.Pem;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Client TLS towards etcd: the certificates that may have issued etcd's server certificate
 * (empty: the JDK's default trust store), and optionally a client key with its certificate
 * chain (leaf first) for an etcd started with {@code --client-cert-auth}. etcd is not part of
 * the cluster's own PKI: its CA, key type and TLS versions are whatever its operator chose, so
 * this takes RSA, EC and Ed25519 keys and TLS 1.2 or 1.3.
 *
 * <p>{@link #load} checks everything it can without dialling (files readable, PEM well-formed, key
 * matching the certificate, certificate valid now and usable by a TLS client), so that a
 * mistake fails the scheduler at startup with the file named, not as a handshake error later.
 * {@link #toString()} never shows the key.
 */
public record EtcdTls(List<X509Certificate> trusted, PrivateKey key, List<X509Certificate> chain) {
    /** Extended key usage "TLS client authentication" (RFC 5280). */
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_USAGE = "2.5.29.37.0";

    public EtcdTls {
        trusted = trusted == null ? List.of() : List.copyOf(trusted);
        chain = chain == null ? List.of() : List.copyOf(chain);
        if ((key == null) != chain.isEmpty()) {
            throw new IllegalArgumentException("an etcd client key and its certificate go together: give both or neither");
        }
    }

    /**
     * Reads and checks the files; each may be null ({@code caFile}: trust the JDK's default
     * CAs), but {@code certFile} and {@code keyFile} only together.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static EtcdTls load(Path caFile, Path certFile, Path keyFile, Clock clock) {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(certFile == null
                    ? "an etcd client key (" + keyFile + ") needs its certificate too"
                    : "an etcd client certificate (" + certFile + ") needs its key too");
        }
        List<X509Certificate> trusted = caFile == null ? List.of() : certificates("etcd CA file", caFile);
        if (certFile == null) {
            return new EtcdTls(trusted, null, List.of());
        }
        List<X509Certificate> chain = certificates("etcd client certificate file", certFile);
        PrivateKey key = privateKey(keyFile);
        X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf.getPublicKey())) {
            throw new IllegalArgumentException("the etcd client key " + keyFile + " is not the key of the certificate in "
                    + certFile + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
        checkValidNow(leaf, certFile, clock);
        checkClientUsage(leaf, certFile);
        return new EtcdTls(trusted, key, chain);
    }

    /** Whether a client certificate is presented. */
    public boolean hasClientCertificate() {
        return key != null;
    }

    /** A gRPC (HTTP/2, ALPN) client context for jetcd. */
    public SslContext sslContext() {
        SslContextBuilder builder = GrpcSslContexts.forClient();
        if (!trusted.isEmpty()) {
            builder.trustManager(trusted.toArray(X509Certificate[]::new));
        }
        if (key != null) {
            builder.keyManager(key, chain.toArray(X509Certificate[]::new));
        }
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up TLS towards etcd: " + e.getMessage(), e);
        }
    }

    /** One or more certificates (Pem refuses a file with none). */
    private static List<X509Certificate> certificates(String what, Path file) {
        try {
            return Pem.readCertificates(file);
        } catch (IOException e) {
            throw unreadable(what, file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path file) {
        try {
            return Pem.readPrivateKey(file);
        } catch (IOException e) {
            throw unreadable("etcd client key file", file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("etcd client key file " + e.getMessage(), e);
        }
    }

    private static IllegalArgumentException unreadable(String what, Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new IllegalArgumentException(what + " " + file + " does not exist", e);
        }
        if (e instanceof AccessDeniedException) {
            return new IllegalArgumentException(what + " " + file + " cannot be read: permission denied", e);
        }
        if (Files.isDirectory(file)) {
            return new IllegalArgumentException(what + " " + file + " is a directory, not a file", e);
        }
        return new IllegalArgumentException(what + " " + file + " cannot be read: " + e.getMessage(), e);
    }

    private static void checkValidNow(X509Certificate leaf, Path file, Clock clock) {
        try {
            leaf.checkValidity(Date.from(clock.instant()));
        } catch (CertificateExpiredException e) {
            throw new IllegalArgumentException("the etcd client certificate in " + file + " expired on "
                    + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new IllegalArgumentException("the etcd client certificate in " + file + " is not valid before "
                    + leaf.getNotBefore().toInstant() + " (is this machine's clock right?)");
        }
    }

    /** etcd (Go's crypto/tls) refuses a client certificate whose extended key usage leaves out clientAuth. */
    private static void checkClientUsage(X509Certificate leaf, Path file) {
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("the etcd client certificate in " + file
                    + " has an unreadable extended key usage");
        }
        if (usages != null && !usages.contains(CLIENT_AUTH) && !usages.contains(ANY_USAGE)) {
            throw new IllegalArgumentException("the certificate in " + file + " may not be used by a TLS client:"
                    + " its extended key usage lacks clientAuth (etcd would refuse it)");
        }
    }

    /** Whether the private key belongs to the public key: signs a challenge and verifies it. */
    static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("etcd client keys of type " + privateKey.getAlgorithm()
                    + " are not supported (RSA, EC or Ed25519 are)");
        };
        try {
            byte[] challenge = "gantry etcd key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "EtcdTls[trusted=" + (trusted.isEmpty() ? "JDK default CAs" : trusted.size() + " certificate(s)")
                + ", client=" + (chain.isEmpty() ? "none" : chain.get(0).getSubjectX500Principal().getName()) + "]";
    }
}
