package dev.ward.crypto;

import com.google.crypto.tink.Aead;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * AES-256-GCM under keys derived from the master key with HKDF-SHA256, one key per purpose
 * (e.g. {@code signing-keys}, {@code tenant/stmarys/attributes}), so the master key never touches data.
 * Sealed form: {@code m1:} + base64url(12-byte nonce || ciphertext || 16-byte tag).
 */
public final class MasterKeyCipher {
    private static final String PREFIX = "m1:";
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private final byte[] master;
    private final Map<String, SecretKeySpec> keys = new ConcurrentHashMap<>();

    public MasterKeyCipher(MasterKey masterKey) {
        this.master = masterKey.bytes();
    }

    public String seal(String purpose, byte[] plaintext, byte[] associatedData) {
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(sealRaw(purpose, plaintext, associatedData));
    }

    /**
     * The same sealing as a Tink {@link Aead} (nonce || ciphertext || tag, no prefix), for Tink's encrypted
     * keyset format: tenant keysets are stored wrapped by this, under their own purpose.
     */
    public Aead aead(String purpose) {
        return new Aead() {
            @Override public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
                return sealRaw(purpose, plaintext, associatedData);
            }

            @Override public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws GeneralSecurityException {
                try {
                    return openRaw(purpose, ciphertext, associatedData);
                } catch (DecryptionException e) {
                    throw new GeneralSecurityException(e.getMessage());
                }
            }
        };
    }

    private byte[] sealRaw(String purpose, byte[] plaintext, byte[] associatedData) {
        byte[] nonce = Secrets.randomBytes(NONCE);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key(purpose), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associatedData);
            byte[] ct = c.doFinal(plaintext);
            byte[] out = new byte[NONCE + ct.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** The plaintext, or {@link DecryptionException} when the input is malformed, tampered or bound to other data. */
    public byte[] open(String purpose, String sealed, byte[] associatedData) {
        if (sealed == null || !sealed.startsWith(PREFIX)) {
            throw new DecryptionException("not a master-key ciphertext");
        }
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new DecryptionException("malformed ciphertext");
        }
        return openRaw(purpose, in, associatedData);
    }

    private byte[] openRaw(String purpose, byte[] in, byte[] associatedData) {
        if (in.length < NONCE + TAG_BITS / 8) {
            throw new DecryptionException("truncated ciphertext");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key(purpose), new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            c.updateAAD(associatedData);
            return c.doFinal(in, NONCE, in.length - NONCE);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new DecryptionException("authentication failed");
        } catch (GeneralSecurityException e) {
            throw new DecryptionException("decryption failed");
        }
    }

    /**
     * A key check value: names this master key without revealing it (HMAC-SHA256 of a constant under a key
     * derived for that purpose alone), so a database can tell the key it was sealed under from another one.
     */
    public String checkValue() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key("key-check-value").getEncoded(), "HmacSHA256"));
            return "kcv1:" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal("ward master key check".getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private SecretKeySpec key(String purpose) {
        return keys.computeIfAbsent(purpose, p -> {
            HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
            hkdf.init(new HKDFParameters(master, "ward-master-key-v1".getBytes(StandardCharsets.UTF_8),
                    ("ward:" + p).getBytes(StandardCharsets.UTF_8)));
            byte[] k = new byte[32];
            hkdf.generateBytes(k, 0, k.length);
            return new SecretKeySpec(k, "AES");
        });
    }

    @Override
    public String toString() { return "MasterKeyCipher[<redacted>]"; }

    /** Decryption refused; carries no key material or plaintext. */
    public static final class DecryptionException extends RuntimeException {
        public DecryptionException(String message) { super(message, null, false, false); }
    }
}
