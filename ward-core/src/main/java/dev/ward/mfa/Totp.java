package dev.ward.mfa;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238): an HMAC of the number of {@link #PERIOD}s since the epoch,
 * dynamically truncated to {@code digits} decimal digits (RFC 4226 §5.3). Ward issues HMAC-SHA1, 6 digits,
 * 30 s — what every authenticator app supports — and accepts one step either side for clock drift.
 */
public final class Totp {
    public static final Duration PERIOD = Duration.ofSeconds(30);
    public static final int DIGITS = 6;
    public static final String ALGORITHM = "SHA1";
    /** 160 bits, the HMAC-SHA1 block-size recommendation of RFC 4226 §4. */
    public static final int SECRET_BYTES = 20;
    /** Steps accepted either side of the current one (RFC 6238 §5.2 recommends at most one). */
    static final int DRIFT_STEPS = 1;

    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private Totp() {}

    /** The time step a moment falls in. */
    public static long step(Instant at, Duration period) {
        return Math.floorDiv(at.getEpochSecond(), period.toSeconds());
    }

    /** The code of one time step; {@code algorithm} is SHA1, SHA256 or SHA512. */
    public static String code(byte[] secret, long step, String algorithm, int digits) {
        if (digits < 1 || digits > 8) {
            throw new IllegalArgumentException("digits must be 1-8");
        }
        byte[] counter = new byte[8];
        for (int i = 7; i >= 0; i--) {
            counter[i] = (byte) step;
            step >>>= 8;
        }
        byte[] mac;
        try {
            Mac hmac = Mac.getInstance("Hmac" + algorithm);
            hmac.init(new SecretKeySpec(secret, "Hmac" + algorithm));
            mac = hmac.doFinal(counter);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("unsupported TOTP algorithm " + algorithm, e);
        }
        int offset = mac[mac.length - 1] & 0x0f;
        int binary = ((mac[offset] & 0x7f) << 24) | ((mac[offset + 1] & 0xff) << 16)
                | ((mac[offset + 2] & 0xff) << 8) | (mac[offset + 3] & 0xff);
        String code = Integer.toString(binary % POWERS[digits]);
        return "0".repeat(digits - code.length()) + code;
    }

    /**
     * The step (within the drift window around {@code currentStep}) whose 6-digit SHA1 code {@code presented}
     * is, if any. Every candidate is computed and compared in constant time, so timing says nothing about
     * which step (or how much of a code) matched.
     */
    public static OptionalLong matchingStep(byte[] secret, String presented, long currentStep) {
        byte[] given = presented.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long matched = Long.MIN_VALUE;
        for (long s = currentStep - DRIFT_STEPS; s <= currentStep + DRIFT_STEPS; s++) {
            byte[] expected = code(secret, s, ALGORITHM, DIGITS).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (MessageDigest.isEqual(expected, given)) {
                matched = s;
            }
        }
        return matched == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(matched);
    }
}
