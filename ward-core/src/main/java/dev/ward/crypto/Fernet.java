package dev.ward.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads Fernet tokens (what the seed apps store today), per the Fernet spec: base64url of
 * version 0x80 || 8-byte timestamp || 16-byte IV || AES-128-CBC ciphertext || HMAC-SHA256 of all before it.
 * The key is base64url of 32 bytes: the HMAC key, then the AES key. Verification comes first, in constant
 * time; nothing is decrypted under a bad MAC. Every refusal is the same {@link InvalidToken}.
 */
public final class Fernet {
    /** How far in the future a token's timestamp may be (the spec's clock skew). */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);
    private static final byte VERSION = (byte) 0x80;
    private static final int HEADER = 1 + 8 + 16;
    private static final int MAC = 32;
    private static final int BLOCK = 16;

    private final SecretKeySpec signingKey;
    private final SecretKeySpec encryptionKey;

    private Fernet(byte[] key) {
        signingKey = new SecretKeySpec(key, 0, 16, "HmacSHA256");
        encryptionKey = new SecretKeySpec(key, 16, 16, "AES");
    }

    /** A Fernet key, or empty when the text is not base64url of exactly 32 bytes. */
    public static Optional<Fernet> key(String base64url) {
        byte[] key;
        try {
            key = Base64.getUrlDecoder().decode(base64url);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (key.length != 32) {
            return Optional.empty();
        }
        Fernet f = new Fernet(key);
        Arrays.fill(key, (byte) 0);
        return Optional.of(f);
    }

    /**
     * The plaintext of a token made with this key at any time up to {@code now} plus the clock skew;
     * older than {@code ttl} is refused when a ttl is given (empty: any age).
     */
    public byte[] decrypt(String token, Instant now, Optional<Duration> ttl) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            throw new InvalidToken();
        }
        int payload = raw.length - HEADER - MAC;
        if (payload < BLOCK || payload % BLOCK != 0 || raw[0] != VERSION) {
            throw new InvalidToken();
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(signingKey);
            mac.update(raw, 0, raw.length - MAC);
            if (!MessageDigest.isEqual(mac.doFinal(), Arrays.copyOfRange(raw, raw.length - MAC, raw.length))) {
                throw new InvalidToken();
            }
            long timestamp = ByteBuffer.wrap(raw, 1, 8).getLong();
            if (timestamp > now.plus(MAX_CLOCK_SKEW).getEpochSecond()
                    || ttl.isPresent() && timestamp + ttl.get().toSeconds() < now.getEpochSecond()) {
                throw new InvalidToken();
            }
            Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
            aes.init(Cipher.DECRYPT_MODE, encryptionKey, new IvParameterSpec(raw, 9, 16));
            return aes.doFinal(raw, HEADER, payload);
        } catch (GeneralSecurityException e) {
            throw new InvalidToken();
        }
    }

    @Override
    public String toString() { return "Fernet[<redacted>]"; }

    /** Not a valid Fernet token for this key (malformed, wrong key, tampered, expired or from the future). */
    public static final class InvalidToken extends RuntimeException {
        InvalidToken() { super("invalid Fernet token", null, false, false); }
    }
}
