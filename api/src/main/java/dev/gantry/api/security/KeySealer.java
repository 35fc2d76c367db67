package dev.gantry.api.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.nio.file.attribute.PosixFilePermission;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals bytes (such as the CA's private key) with AES-256-GCM under a 32-byte key kept in a file
 * that only its owner may read. Sealed data is {@code version (1 byte, 1) || nonce (12 random
 * bytes) || ciphertext || tag (16 bytes)}, the version byte authenticated too. Opening either
 * returns exactly what was sealed or throws {@link SealedDataException}. Thread-safe.
 */
public final class KeySealer {
    public static final int KEY_BYTES = 32;
    static final byte VERSION = 1;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    static final int OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private KeySealer(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * A sealer under a key of exactly {@value #KEY_BYTES} bytes (copied).
     *
     * @throws IllegalArgumentException when the key has another length
     */
    public static KeySealer fromKey(byte[] key) {
        if (key == null || key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a sealing key is " + KEY_BYTES + " bytes, not "
                + (key == null ? "null" : key.length));
        }
        return new KeySealer(key.clone());
    }

    /**
     * The sealer under the key in {@code keyFile}, which is made (mode 0600, {@link SecureRandom})
     * when there is none. Of processes racing to make it, all end up with the same key.
     *
     * @throws IOException when the file cannot be read or written, is not {@value #KEY_BYTES}
     *     bytes long, or its group or others may read or write it
     */
    public static KeySealer loadOrCreate(Path keyFile) throws IOException {
        try {
            return load(keyFile);
        } catch (NoSuchFileException e) {
            byte[] key = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(key);
            try {
                if (SecureFiles.createExclusively(keyFile, key, SecureFiles.OWNER_ONLY)) {
                    return new KeySealer(key);
                }
            } finally {
                Arrays.fill(key, (byte) 0);
            }
            return load(keyFile);
        }
    }

    private static KeySealer load(Path keyFile) throws IOException {
        byte[] key = Files.readAllBytes(keyFile);
        try {
            if (key.length != KEY_BYTES) {
                throw new IOException(keyFile + " is not a sealing key: it has " + key.length + " bytes, not " + KEY_BYTES);
            }
            Set<PosixFilePermission> open = SecureFiles.groupOrOtherAccess(keyFile);
            if (!open.isEmpty()) {
                throw new IOException(keyFile + " may be read or written by others (" + open
                    + "); allow only its owner (chmod 600)");
            }
            return new KeySealer(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** {@code plaintext} sealed under a fresh random nonce. */
    public byte[] seal(byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
            cipher.updateAAD(new byte[] {VERSION});
            byte[] sealed = new byte[1 + NONCE_BYTES + cipher.getOutputSize(plaintext.length)];
            sealed[0] = VERSION;
            System.arraycopy(nonce, 0, sealed, 1, NONCE_BYTES);
            int written = cipher.doFinal(plaintext, 0, plaintext.length, sealed, 1 + NONCE_BYTES);
            return written == sealed.length - 1 - NONCE_BYTES ? sealed : Arrays.copyOf(sealed, 1 + NONCE_BYTES + written);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java cannot seal with AES-256-GCM", e);
        }
    }

    /**
     * What {@link #seal} sealed.
     *
     * @throws SealedDataException when {@code sealed} is not sealed data of a known version, was
     *     sealed under another key, or was changed
     */
    public byte[] open(byte[] sealed) {
        if (sealed == null || sealed.length < OVERHEAD) {
            throw new SealedDataException("is not sealed data: too short ("
                + (sealed == null ? "null" : sealed.length + " bytes") + ")");
        }
        if (sealed[0] != VERSION) {
            throw new SealedDataException("is sealed data of unknown version " + (sealed[0] & 0xff)
                + " (this Gantry reads version " + VERSION + ")");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(sealed, 0, 1);
            return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new SealedDataException("cannot be opened: it was sealed under another key, or changed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java cannot open AES-256-GCM", e);
        }
    }

    @Override
    public String toString() {
        return "KeySealer[AES-256-GCM]";
    }
}
