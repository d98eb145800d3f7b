package dev.ward.server;

import java.nio.ByteBuffer;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 6238 as an authenticator app computes it, written here from the RFC on purpose and sharing no code
 * with Ward's own {@code Totp}: the HTTP tests enrol and log in with codes from this, not from Ward.
 */
public final class IndependentTotp {
    private IndependentTotp() {}

    /** The 6-digit HMAC-SHA1 code for a base32 secret at a moment (30-second steps). */
    public static String at(String base32Secret, Instant when) {
        return forStep(base32Secret, Math.floorDiv(when.getEpochSecond(), 30));
    }

    static String forStep(String base32Secret, long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(base32Decode(base32Secret), "HmacSHA1"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int o = h[19] & 0xf;
            int bin = ByteBuffer.wrap(h, o, 4).getInt() & 0x7fffffff;
            return String.format("%06d", bin % 1_000_000);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] base32Decode(String s) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        ByteBuffer out = ByteBuffer.allocate(s.length() * 5 / 8);
        long buffer = 0;
        int bits = 0;
        for (char c : s.toCharArray()) {
            int v = alphabet.indexOf(c);
            if (v < 0) {
                throw new IllegalArgumentException("not base32: " + c);
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.put((byte) (buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return out.array();
    }
}
