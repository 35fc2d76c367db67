package dev.gantry.api.security;

import java.io.IOException;
import java.security.KeyPair;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Certificate requests (PKCS#10) as a node makes them: its own key, signed with it, asking for nothing else. */
public final class Csr {
    private Csr() {
    }

    /**
     * A DER PKCS#10 request for {@code keyPair}'s public key, signed with its private key, with
     * subject {@code CN=<commonName>} (informative only: the CA decides the identity).
     *
     * @throws IllegalArgumentException when the key pair is not EC P-256
     */
    public static byte[] create(KeyPair keyPair, String commonName) {
        if (!EcKeys.isP256(keyPair.getPublic())) {
            throw new IllegalArgumentException("a certificate request is made for EC P-256 keys only");
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        try {
            return new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic())
                .build(new JcaContentSignerBuilder(EcKeys.SIGNATURE_ALGORITHM).build(keyPair.getPrivate()))
                .getEncoded();
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot sign the certificate request", e);
        }
    }
}
