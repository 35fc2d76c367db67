package dev.gantry.api.security;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The cluster's certificate authority: a self-signed EC P-256 certificate that may sign only
 * end-entity certificates (path length 0), and the certificates it issues. The CA decides every
 * identity it signs: what a request asks for (subject, extensions) is never copied.
 *
 * <p>Issued certificates start {@value #BACKDATE_MINUTES} minutes before the clock's now, so that
 * peers whose clocks are a little behind accept them, and may not outlive the CA. Every serial
 * number is a random positive 128-bit number. Thread-safe.
 */
public final class ClusterCa {
    /** How long a new CA is valid. */
    public static final int VALIDITY_YEARS = 10;
    static final int BACKDATE_MINUTES = 5;
    /** The largest certificate request (DER) that {@link #signCsr} reads. */
    public static final int MAX_CSR_BYTES = 16 * 1024;

    private static final Duration BACKDATE = Duration.ofMinutes(BACKDATE_MINUTES);
    private static final Pattern DNS_NAME = Pattern.compile(
        "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private ClusterCa(X509Certificate certificate, PrivateKey privateKey, Clock clock) {
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.clock = clock;
    }

    /** A new CA with a new key, subject {@code CN=Gantry cluster CA <random id>}, valid for 10 years. */
    public static ClusterCa create(Clock clock) {
        Objects.requireNonNull(clock, "clock");
        SecureRandom random = new SecureRandom();
        byte[] id = new byte[8];
        random.nextBytes(id);
        X500Name subject = commonName("Gantry cluster CA " + HexFormat.of().formatHex(id));
        KeyPair keyPair = EcKeys.generate();
        Instant now = clock.instant();
        Instant notAfter = now.atOffset(ZoneOffset.UTC).plusYears(VALIDITY_YEARS).toInstant();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(random),
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, keyPair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keyPair.getPublic()));
            return new ClusterCa(sign(builder, keyPair.getPrivate()), keyPair.getPrivate(), clock);
        } catch (NoSuchAlgorithmException | CertIOException e) {
            throw new IllegalStateException("cannot build the CA certificate", e);
        }
    }

    /**
     * The CA of an existing certificate and its key (as stored by an earlier {@link #create}).
     *
     * @throws IllegalArgumentException when the certificate is not a self-signed CA certificate
     *     with an EC P-256 key, or the key is not its private key
     */
    public static ClusterCa of(X509Certificate certificate, PrivateKey privateKey, Clock clock) {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(clock, "clock");
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the CA certificate is not a CA (basicConstraints CA:false or absent)");
        }
        boolean[] usage = certificate.getKeyUsage();
        if (usage == null || usage.length <= 5 || !usage[5]) {
            throw new IllegalArgumentException("the CA certificate may not sign certificates (no keyCertSign)");
        }
        if (!EcKeys.isP256(certificate.getPublicKey())) {
            throw new IllegalArgumentException("the CA certificate's key is not EC P-256");
        }
        if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            throw new IllegalArgumentException("the CA certificate is not self-signed");
        }
        try {
            certificate.verify(certificate.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the CA certificate's signature does not verify", e);
        }
        if (!EcKeys.matches(privateKey, certificate.getPublicKey())) {
            throw new IllegalArgumentException("the private key is not the CA certificate's key");
        }
        return new ClusterCa(certificate, privateKey, clock);
    }

    /**
     * The CA of a PEM certificate and a PEM (PKCS#8) private key.
     *
     * @throws IllegalArgumentException when either is not readable PEM, or as {@link #of}
     */
    public static ClusterCa fromPem(String certificatePem, String privateKeyPem, Clock clock) {
        return of(Pem.decodeCertificate(certificatePem), Pem.decodePrivateKey(privateKeyPem), clock);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA's private key: to be stored sealed (see {@link KeySealer}), never sent anywhere. */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The SHA-256 of the CA certificate's DER encoding, in lowercase hex (64 digits). */
    public String fingerprint() {
        return fingerprint(certificate);
    }

    /** The SHA-256 of a certificate's DER encoding, in lowercase hex (64 digits). */
    public static String fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint the certificate", e);
        }
    }

    /**
     * A server certificate (extended key usage serverAuth) for the given host names and
     * addresses, which clients check against the name they connect to.
     *
     * @throws IllegalArgumentException when the key is not EC P-256, no name is given, a DNS name
     *     is not a host name, or the lifetime is not positive or would outlive the CA
     */
    public X509Certificate issueServer(PublicKey publicKey, List<String> dnsNames, List<InetAddress> ips,
                                       Duration lifetime) {
        return issueServer(publicKey, dnsNames, ips, lifetime, false);
    }

    /**
     * A scheduler server's certificate: a {@linkplain #issueServer server certificate} that is also
     * a client certificate (the scheduler connects to agents' ports with it), marked with the SAN
     * URI {@value PeerIdentity#SCHEDULER_URI} so that agents can tell a scheduler from a node.
     */
    public X509Certificate issueScheduler(PublicKey publicKey, List<String> dnsNames, List<InetAddress> ips,
                                          Duration lifetime) {
        return issueServer(publicKey, dnsNames, ips, lifetime, true);
    }

    private X509Certificate issueServer(PublicKey publicKey, List<String> dnsNames, List<InetAddress> ips,
                                        Duration lifetime, boolean scheduler) {
        List<String> dns = List.copyOf(dnsNames);
        List<InetAddress> addresses = List.copyOf(ips);
        if (dns.isEmpty() && addresses.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one DNS name or IP address");
        }
        List<GeneralName> names = new ArrayList<>();
        for (String name : dns) {
            if (!DNS_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("is not a DNS host name: \"" + name + '"');
            }
            names.add(new GeneralName(GeneralName.dNSName, name));
        }
        for (InetAddress address : addresses) {
            names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress())));
        }
        String commonName = dns.isEmpty() ? addresses.get(0).getHostAddress() : dns.get(0);
        if (scheduler) {
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, PeerIdentity.SCHEDULER_URI));
            return issue(publicKey, commonName(commonName), names, lifetime,
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
        }
        return issue(publicKey, commonName(commonName), names, lifetime, KeyPurposeId.id_kp_serverAuth);
    }

    /**
     * A node's certificate: {@code CN=<node id>}, SAN URI {@code gantry://node/<node id>}, usable
     * both to connect (clientAuth) and to serve (serverAuth).
     *
     * @throws IllegalArgumentException when the key is not EC P-256, the node id is not
     *     {@linkplain PeerIdentity#isValidNodeId valid}, or the lifetime is not positive or would
     *     outlive the CA
     */
    public X509Certificate issueNode(PublicKey publicKey, String nodeId, Duration lifetime) {
        String uri = PeerIdentity.nodeUri(nodeId);
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        // A DNS name too, so that a scheduler reaching the node's own port can check it by name
        // (channels verify DNS and IP names, not URIs): see PeerIdentity#nodeHostName.
        String host = PeerIdentity.nodeHostName(nodeId);
        if (DNS_NAME.matcher(host).matches()) names.add(new GeneralName(GeneralName.dNSName, host));
        return issue(publicKey, commonName(nodeId), names,
            lifetime, KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth);
    }

    /**
     * A node certificate ({@link #issueNode}) for the key of a PKCS#10 request whose signature
     * proves that the requester holds that key. The subject and extensions the request asks for
     * are ignored: the certificate names {@code nodeId}, decided by the caller.
     *
     * @throws IllegalArgumentException when the request is not DER PKCS#10 of at most
     *     {@value #MAX_CSR_BYTES} bytes, its key is not EC P-256, its signature does not verify,
     *     or as {@link #issueNode}
     */
    public X509Certificate signCsr(byte[] pkcs10, String nodeId, Duration lifetime) {
        if (pkcs10 == null || pkcs10.length == 0) {
            throw new IllegalArgumentException("the certificate request is empty");
        }
        if (pkcs10.length > MAX_CSR_BYTES) {
            throw new IllegalArgumentException("the certificate request is too large (" + pkcs10.length
                + " bytes, at most " + MAX_CSR_BYTES + ")");
        }
        PKCS10CertificationRequest request;
        SubjectPublicKeyInfo keyInfo;
        try {
            request = new PKCS10CertificationRequest(pkcs10);
            keyInfo = request.getSubjectPublicKeyInfo();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("is not a PKCS#10 certificate request (DER)");
        }
        if (!EcKeys.isP256(keyInfo)) {
            throw new IllegalArgumentException("the certificate request's key is not EC P-256, the only kind accepted");
        }
        PublicKey publicKey;
        try {
            publicKey = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(keyInfo.getEncoded()));
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new IllegalArgumentException("the certificate request's key cannot be read");
        }
        boolean valid;
        try {
            valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            throw new IllegalArgumentException("the certificate request's signature cannot be checked");
        }
        if (!valid) {
            throw new IllegalArgumentException("the certificate request's signature does not verify");
        }
        return issueNode(publicKey, nodeId, lifetime);
    }

    private X509Certificate issue(PublicKey publicKey, X500Name subject, List<GeneralName> names,
                                  Duration lifetime, KeyPurposeId... purposes) {
        if (!EcKeys.isP256(publicKey)) {
            throw new IllegalArgumentException("the key to certify is not EC P-256, the only kind accepted");
        }
        if (lifetime == null || lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("a certificate's lifetime must be positive, not " + lifetime);
        }
        Instant now = clock.instant();
        Instant notAfter = now.plus(lifetime);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            throw new IllegalArgumentException("a certificate valid until " + notAfter
                + " would outlive the CA (valid until " + certificate.getNotAfter().toInstant() + ")");
        }
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), serial(random),
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, publicKey)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
                .addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(new GeneralName[0])))
                .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey))
                .addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(certificate.getPublicKey()));
            return sign(builder, privateKey);
        } catch (NoSuchAlgorithmException | CertIOException e) {
            throw new IllegalStateException("cannot build the certificate", e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) {
        try {
            return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder(EcKeys.SIGNATURE_ALGORITHM).build(key)));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new IllegalStateException("cannot sign the certificate", e);
        }
    }

    private static X500Name commonName(String cn) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
    }

    private static BigInteger serial(SecureRandom random) {
        byte[] bytes = new byte[16];
        BigInteger serial;
        do {
            random.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    @Override
    public String toString() {
        return "ClusterCa[" + certificate.getSubjectX500Principal().getName() + ", " + fingerprint() + "]";
    }
}
