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
    private static final MessageDigest SHA256 = newSha256();

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
        return sha256Digest().digest(data);
    }

    /**
     * A fresh SHA-256 digest, copied from one never used: cheaper than {@code MessageDigest.getInstance}, which looks the
     * provider up again on every token hashed (the validation hot path hashes two: the API key and the session token).
     */
    private static MessageDigest sha256Digest() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /**
     * Whether {@code s} is {@code prefix} followed by exactly {@code chars} base64url characters: the shape of the bearer
     * secrets {@link #newToken} makes, checked without a regular expression (every validation checks two).
     */
    public static boolean hasTokenShape(String s, String prefix, int chars) {
        if (s == null || s.length() != prefix.length() + chars || !s.startsWith(prefix)) {
            return false;
        }
        for (int i = prefix.length(); i < s.length(); i++) {
            if (base64UrlDigit(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The value (0-63) of a base64url character, or -1 for any other character. */
    public static int base64UrlDigit(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }

    /** Constant-time comparison of two strings (length is not secret here: both are fixed-size hashes). */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
