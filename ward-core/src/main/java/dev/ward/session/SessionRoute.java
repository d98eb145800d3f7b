package dev.ward.session;

import dev.ward.crypto.Secrets;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Where a user's sessions live, named by the session token and the session id themselves so that a store
 * partitioned like Redis Cluster reaches a session in one round trip (docs/decisions/0005).
 *
 * <p>The route is the Redis Cluster hash slot of {@code tenant:user} (CRC16/XMODEM mod 16 384, exactly as
 * Redis computes it for the hash tag {@code {tenant:user}}). A token is {@code wst_} + base64url of
 * 2 route bytes + 32 random bytes (46 characters; the 256 random bits are untouched); a session id is
 * {@code ses_} + 4 hex digits of route + 24 random hex digits. Stores that keep every session in one place
 * (SQL) ignore the route; they find sessions by token hash and id alone.
 */
public final class SessionRoute {
    public static final int COUNT = 16_384;
    public static final String TOKEN_PREFIX = "wst_";
    public static final String ID_PREFIX = "ses_";
    private static final int RANDOM_BYTES = 32;
    /** Base64url characters of a token: 2 route bytes and 32 random ones. */
    private static final int TOKEN_CHARS = 46;
    private static final Pattern ID = Pattern.compile("ses_[0-9a-f]{28}");
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
    private static final HexFormat HEX = HexFormat.of();
    private static final int[] CRC16 = crc16Table();

    private SessionRoute() {}

    /** The route (cluster slot) of a user's sessions. */
    public static int of(String tenant, String userId) {
        return crc16((tenant + ":" + userId).getBytes(StandardCharsets.UTF_8)) % COUNT;
    }

    public static String newToken(int route) {
        byte[] b = new byte[2 + RANDOM_BYTES];
        b[0] = (byte) (route >>> 8);
        b[1] = (byte) route;
        System.arraycopy(Secrets.randomBytes(RANDOM_BYTES), 0, b, 2, RANDOM_BYTES);
        return TOKEN_PREFIX + URL.encodeToString(b);
    }

    public static String newSessionId(int route) {
        return ID_PREFIX + "%04x".formatted(route) + HEX.formatHex(Secrets.randomBytes(12));
    }

    /** Whether {@code token} has the shape of a session token (says nothing of its validity). */
    public static boolean isToken(String token) {
        return ofToken(token).isPresent();
    }

    /** The route a well-formed token names; empty for anything else. */
    public static OptionalInt ofToken(String token) {
        if (!Secrets.hasTokenShape(token, TOKEN_PREFIX, TOKEN_CHARS)) {
            return OptionalInt.empty();
        }
        // The first 16 of the 24 bits the first four base64url characters carry (no decoder, no substring: every
        // validation reads a route).
        int at = TOKEN_PREFIX.length();
        int bits = Secrets.base64UrlDigit(token.charAt(at)) << 18 | Secrets.base64UrlDigit(token.charAt(at + 1)) << 12
                | Secrets.base64UrlDigit(token.charAt(at + 2)) << 6 | Secrets.base64UrlDigit(token.charAt(at + 3));
        return valid(bits >>> 8);
    }

    /** The route a well-formed session id names; empty for anything else. */
    public static OptionalInt ofSessionId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            return OptionalInt.empty();
        }
        return valid(Integer.parseInt(id, ID_PREFIX.length(), ID_PREFIX.length() + 4, 16));
    }

    private static OptionalInt valid(int route) {
        return route < COUNT ? OptionalInt.of(route) : OptionalInt.empty();
    }

    /** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), Redis Cluster's key hash. */
    static int crc16(byte[] data) {
        int crc = 0;
        for (byte b : data) {
            crc = ((crc << 8) ^ CRC16[((crc >>> 8) ^ b) & 0xff]) & 0xffff;
        }
        return crc;
    }

    private static int[] crc16Table() {
        int[] table = new int[256];
        for (int i = 0; i < 256; i++) {
            int c = i << 8;
            for (int k = 0; k < 8; k++) {
                c = (c & 0x8000) != 0 ? (c << 1) ^ 0x1021 : c << 1;
            }
            table[i] = c & 0xffff;
        }
        return table;
    }
}
