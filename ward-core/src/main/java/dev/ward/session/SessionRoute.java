package dev.ward.session;

import dev.ward.crypto.Secrets;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Where a user's sessions live, named by the session token and the session id themselves so that a store
 * partitioned like Redis Cluster reaches a session in one round trip (docs/decisions/0005, 0040).
 *
 * <p>The route is the Redis Cluster hash slot of {@code tenant:user} (CRC16/XMODEM mod 16 384, exactly as
 * Redis computes it for the hash tag {@code {tenant:user}}). A session id is {@code ses_} + 4 hex digits of route +
 * 24 random hex digits (14 bytes). A token is {@code wst_} + base64url of those 14 bytes + 32 random bytes (62
 * characters; decision 0040): it names its session, so a store finds the record by id and checks the SHA-256 of the
 * whole token against the one it holds; the 256 random bits are the secret, the id is not. Tokens issued before
 * that ({@code wst_} + base64url of 2 route bytes + 32 random bytes, 46 characters; decision 0005) are still
 * accepted while their sessions live: they name only their route. Stores that keep every session in one place
 * (SQL) ignore route and id; they find sessions by token hash alone.
 */
public final class SessionRoute {
    public static final int COUNT = 16_384;
    public static final String TOKEN_PREFIX = "wst_";
    public static final String ID_PREFIX = "ses_";
    private static final int RANDOM_BYTES = 32;
    /** Bytes of a session id: 2 of route, 12 random. */
    private static final int ID_BYTES = 14;
    /** Base64url characters of a token: the 14 bytes of its session's id and 32 random ones. */
    private static final int TOKEN_CHARS = 62;
    /** Base64url characters of a token of the earlier format (decision 0005): 2 route bytes and 32 random ones. */
    private static final int EARLIER_TOKEN_CHARS = 46;
    private static final Pattern ID = Pattern.compile("ses_[0-9a-f]{28}");
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
    private static final HexFormat HEX = HexFormat.of();
    private static final int[] CRC16 = crc16Table();

    private SessionRoute() {}

    /** The route (cluster slot) of a user's sessions. */
    public static int of(String tenant, String userId) {
        return crc16((tenant + ":" + userId).getBytes(StandardCharsets.UTF_8)) % COUNT;
    }

    /** A new token of the session {@code sessionId} (which names the route): its id's 14 bytes, then 32 random ones. */
    public static String newToken(String sessionId) {
        if (ofSessionId(sessionId).isEmpty()) {
            throw new IllegalArgumentException("not a session id");
        }
        byte[] b = new byte[ID_BYTES + RANDOM_BYTES];
        System.arraycopy(HEX.parseHex(sessionId, ID_PREFIX.length(), sessionId.length()), 0, b, 0, ID_BYTES);
        System.arraycopy(Secrets.randomBytes(RANDOM_BYTES), 0, b, ID_BYTES, RANDOM_BYTES);
        return TOKEN_PREFIX + URL.encodeToString(b);
    }

    public static String newSessionId(int route) {
        return ID_PREFIX + "%04x".formatted(route) + HEX.formatHex(Secrets.randomBytes(12));
    }

    /** Whether {@code token} has the shape of a session token (says nothing of its validity). */
    public static boolean isToken(String token) {
        return ofToken(token).isPresent();
    }

    /** The route a well-formed token (of either format) names; empty for anything else. */
    public static OptionalInt ofToken(String token) {
        if (!Secrets.hasTokenShape(token, TOKEN_PREFIX, TOKEN_CHARS)
                && !Secrets.hasTokenShape(token, TOKEN_PREFIX, EARLIER_TOKEN_CHARS)) {
            return OptionalInt.empty();
        }
        // Both formats begin with the 2 route bytes: the first 16 of the 24 bits the first four base64url characters
        // carry (no decoder, no substring: every validation reads a route).
        return valid(bits(token, TOKEN_PREFIX.length()) >>> 8);
    }

    /**
     * What a store needs of a well-formed token: its hash, its route and, in the current format, the id of its session
     * ({@link SessionToken}); empty for anything else, before any hash is computed.
     */
    public static Optional<SessionToken> parse(String token) {
        OptionalInt route = ofToken(token);
        if (route.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> id = Optional.empty();
        if (token.length() == TOKEN_PREFIX.length() + TOKEN_CHARS) {
            // The first 14 bytes are the id: 112 bits, the first 18 characters (108 bits) and 4 of the 19th's 6.
            byte[] b = new byte[ID_BYTES];
            int at = TOKEN_PREFIX.length();
            for (int group = 0; group < 4; group++) {
                int bits = bits(token, at + 4 * group);
                b[3 * group] = (byte) (bits >>> 16);
                b[3 * group + 1] = (byte) (bits >>> 8);
                b[3 * group + 2] = (byte) bits;
            }
            int tail = Secrets.base64UrlDigit(token.charAt(at + 16)) << 10 | Secrets.base64UrlDigit(token.charAt(at + 17)) << 4
                    | Secrets.base64UrlDigit(token.charAt(at + 18)) >>> 2;
            b[12] = (byte) (tail >>> 8);
            b[13] = (byte) tail;
            id = Optional.of(ID_PREFIX + HEX.formatHex(b));
        }
        return Optional.of(new SessionToken(Secrets.sha256Hex(token), route.getAsInt(), id));
    }

    /** The 24 bits of the four base64url characters from {@code at} (the caller checked they are base64url). */
    private static int bits(String token, int at) {
        return Secrets.base64UrlDigit(token.charAt(at)) << 18 | Secrets.base64UrlDigit(token.charAt(at + 1)) << 12
                | Secrets.base64UrlDigit(token.charAt(at + 2)) << 6 | Secrets.base64UrlDigit(token.charAt(at + 3));
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
