package dev.ward.session;

import dev.ward.crypto.Secrets;
import java.util.Base64;

/**
 * Session tokens of the format before decision 0040 ({@code wst_} + base64url of 2 route bytes + 32 random bytes, 46
 * characters), as nodes of the previous version issued them: for the tests of sessions that outlive an upgrade. Ward
 * itself no longer makes them.
 */
public final class EarlierTokens {
    private EarlierTokens() {}

    public static String mint(int route) {
        byte[] b = new byte[34];
        b[0] = (byte) (route >>> 8);
        b[1] = (byte) route;
        System.arraycopy(Secrets.randomBytes(32), 0, b, 2, 32);
        return SessionRoute.TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
