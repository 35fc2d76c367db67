package dev.gantry.api.security;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Certificates, private keys and certificate requests as PEM text and files. Private keys are
 * written as unencrypted PKCS#8 ({@code PRIVATE KEY}) in files only their owner can read; keys are
 * read from PKCS#8 or from OpenSSL's {@code EC PRIVATE KEY}. Files are replaced whole (written
 * beside, then renamed). Decoding failures are {@link IllegalArgumentException}s that never quote
 * the input.
 */
public final class Pem {
    private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    public static String encodeCertificate(X509Certificate certificate) {
        return encodeCertificates(List.of(certificate));
    }

    /** The certificates one after another, as in a chain file (leaf first). */
    public static String encodeCertificates(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate certificate : certificates) {
            try {
                out.append(block("CERTIFICATE", certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("the certificate cannot be encoded", e);
            }
        }
        return out.toString();
    }

    /** PKCS#8, unencrypted. */
    public static String encodePrivateKey(PrivateKey key) {
        if (key.getEncoded() == null || !"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("the private key cannot be exported as PKCS#8");
        }
        return block("PRIVATE KEY", key.getEncoded());
    }

    /** A PKCS#10 certificate request given in DER. */
    public static String encodeCsr(byte[] pkcs10) {
        return block("CERTIFICATE REQUEST", pkcs10);
    }

    /**
     * Exactly one certificate.
     *
     * @throws IllegalArgumentException when the text holds no certificate, or more than one
     */
    public static X509Certificate decodeCertificate(String pem) {
        List<X509Certificate> certificates = decodeCertificates(pem);
        if (certificates.size() != 1) {
            throw new IllegalArgumentException("expected one PEM certificate, found " + certificates.size());
        }
        return certificates.get(0);
    }

    /**
     * One or more certificates, in their order; other PEM blocks are not allowed.
     *
     * @throws IllegalArgumentException when there is none, or something else is there
     */
    public static List<X509Certificate> decodeCertificates(String pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object object : objects(pem)) {
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new IllegalArgumentException("expected PEM certificates, found " + describe(object));
            }
            try {
                certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
            } catch (java.security.cert.CertificateException | RuntimeException e) {
                throw new IllegalArgumentException("a PEM certificate cannot be read");
            }
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("holds no PEM certificate");
        }
        return certificates;
    }

    /**
     * Exactly one unencrypted private key, PKCS#8 ({@code PRIVATE KEY}) or OpenSSL's
     * {@code EC PRIVATE KEY}.
     *
     * @throws IllegalArgumentException when there is none, more than one, or it is encrypted
     */
    public static PrivateKey decodePrivateKey(String pem) {
        List<Object> objects = objects(pem);
        if (objects.size() != 1) {
            throw new IllegalArgumentException("expected one PEM private key, found " + objects.size() + " PEM blocks");
        }
        Object object = objects.get(0);
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the PEM private key cannot be read");
        }
        if (object instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IllegalArgumentException("the PEM private key is encrypted; Gantry reads unencrypted keys only");
        }
        throw new IllegalArgumentException("expected a PEM private key, found " + describe(object));
    }

    /**
     * The DER of exactly one PKCS#10 certificate request ({@code CERTIFICATE REQUEST}).
     *
     * @throws IllegalArgumentException when there is none or more than one
     */
    public static byte[] decodeCsr(String pem) {
        List<Object> objects = objects(pem);
        if (objects.size() != 1 || !(objects.get(0) instanceof PKCS10CertificationRequest request)) {
            throw new IllegalArgumentException("expected one PEM certificate request");
        }
        try {
            return request.getEncoded();
        } catch (IOException e) {
            throw new IllegalArgumentException("the PEM certificate request cannot be read");
        }
    }

    /** Writes a certificate (chain) file, readable by all (mode 0644). */
    public static void writeCertificates(Path file, List<X509Certificate> certificates) throws IOException {
        SecureFiles.writeAtomically(file, encodeCertificates(certificates).getBytes(StandardCharsets.US_ASCII),
            SecureFiles.WORLD_READABLE);
    }

    /** Writes a private key file that only its owner can read or write (mode 0600), at every moment. */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        SecureFiles.writeAtomically(file, encodePrivateKey(key).getBytes(StandardCharsets.US_ASCII),
            SecureFiles.OWNER_ONLY);
    }

    /** @throws IllegalArgumentException naming the file, as {@link #decodeCertificates} */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        try {
            return decodeCertificates(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException naming the file, as {@link #decodePrivateKey} */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        try {
            return decodePrivateKey(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + BASE64.encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static List<Object> objects(String pem) {
        if (pem == null) {
            throw new IllegalArgumentException("no PEM text given");
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("is not well-formed PEM");
        }
        return objects;
    }

    private static String describe(Object object) {
        if (object instanceof X509CertificateHolder) {
            return "a certificate";
        }
        if (object instanceof PrivateKeyInfo || object instanceof PEMKeyPair
            || object instanceof PKCS8EncryptedPrivateKeyInfo) {
            return "a private key";
        }
        if (object instanceof PKCS10CertificationRequest) {
            return "a certificate request";
        }
        return "another kind of PEM block";
    }
}
