package dev.gantry.api.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/** The one kind of key Gantry makes and accepts: EC on the NIST P-256 curve, signing with SHA-256. */
public final class EcKeys {
    static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";

    private EcKeys() {
    }

    /** A new P-256 key pair from the platform's strong random source. */
    public static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java has no EC P-256 keys", e);
        }
    }

    /** Whether {@code key} is an EC key on the P-256 curve (named curve, not explicit parameters). */
    public static boolean isP256(PublicKey key) {
        if (key == null || !"EC".equals(key.getAlgorithm()) || key.getEncoded() == null) {
            return false;
        }
        try {
            return isP256(SubjectPublicKeyInfo.getInstance(key.getEncoded()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    static boolean isP256(SubjectPublicKeyInfo info) {
        return info != null
            && X9ObjectIdentifiers.id_ecPublicKey.equals(info.getAlgorithm().getAlgorithm())
            && info.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curve
            && X9ObjectIdentifiers.prime256v1.equals(curve);
    }

    /** Whether {@code privateKey} is the private half of {@code publicKey} (by signing and verifying). */
    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        try {
            byte[] challenge = "gantry key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
