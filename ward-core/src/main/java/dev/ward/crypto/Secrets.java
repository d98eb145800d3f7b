package dev.ward.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Ward's one source of randomness and its token/id/hash primitives. */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
    private static final HexFormat HEX = HexFormat.of();

    private Secrets() {}

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** A bearer secret: prefix + base64url of {@code bytes} random bytes (32 bytes = 256 bits). */
    public static String newToken(String prefix, int bytes) {
        return prefix + URL.encodeToString(randomBytes(bytes));
    }

    /** A public identifier (not a secret): prefix + 24 hex chars (96 random bits). */
    public static String newId(String prefix) {
        return prefix + HEX.formatHex(randomBytes(12));
    }

    public static int randomInt(int bound) {
        return RANDOM.nextInt(bound);
    }

    /** Hex SHA-256 of a token; what Ward stores instead of the token itself. */
    public static String sha256Hex(String token) {
        return HEX.formatHex(sha256(token.getBytes(StandardCharsets.UTF_8)));
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** Constant-time comparison of two strings (length is not secret here: both are fixed-size hashes). */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
