package dev.ward.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The route is checked against a real cluster's CLUSTER KEYSLOT in ward-store-redis (SlotTagsTest). */
class SessionRouteTest {
    @Test
    void crc16IsRedisClustersKeyHash() {
        // Redis Cluster specification: CRC16/XMODEM of "123456789" is 0x31C3.
        assertThat(SessionRoute.crc16("123456789".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x31C3);
        // The CLUSTER KEYSLOT examples of the Redis documentation.
        assertThat(SessionRoute.crc16("somekey".getBytes(StandardCharsets.UTF_8)) % 16384).isEqualTo(11058);
        assertThat(SessionRoute.crc16("foo".getBytes(StandardCharsets.UTF_8)) % 16384).isEqualTo(12182);
    }

    @Test
    void aTokenNamesItsSessionAndRouteAndKeeps256RandomBits() {
        int route = SessionRoute.of("stmarys", "usr_0123456789abcdef01234567");
        String id = SessionRoute.newSessionId(route);
        String token = SessionRoute.newToken(id);

        assertThat(token).matches("wst_[A-Za-z0-9_-]{62}");
        byte[] raw = Base64.getUrlDecoder().decode(token.substring(4));
        assertThat(raw).hasSize(46);
        assertThat(HexFormat.of().formatHex(raw, 0, 14)).isEqualTo(id.substring(4));
        assertThat(SessionRoute.ofToken(token)).hasValue(route);
        assertThat(id).matches("ses_[0-9a-f]{28}");
        assertThat(SessionRoute.ofSessionId(id)).hasValue(route);

        SessionToken parsed = SessionRoute.parse(token).orElseThrow();
        assertThat(parsed.sessionId()).hasValue(id);
        assertThat(parsed.route()).isEqualTo(route);
        assertThat(parsed.hash()).isEqualTo(Secrets.sha256Hex(token));
        assertThat(parsed.toString()).doesNotContain(parsed.hash(), token.substring(4));

        // Two tokens of one session share the id, never the secret.
        String again = SessionRoute.newToken(id);
        assertThat(again).isNotEqualTo(token);
        byte[] other = Base64.getUrlDecoder().decode(again.substring(4));
        assertThat(Arrays.copyOfRange(other, 0, 14)).isEqualTo(Arrays.copyOfRange(raw, 0, 14));
        assertThat(Arrays.copyOfRange(other, 14, 46)).isNotEqualTo(Arrays.copyOfRange(raw, 14, 46));
    }

    @Test
    void aTokenOfTheEarlierFormatNamesItsRouteOnly() {
        int route = SessionRoute.of("stmarys", "usr_0123456789abcdef01234567");
        String token = EarlierTokens.mint(route);

        assertThat(token).matches("wst_[A-Za-z0-9_-]{46}");
        assertThat(SessionRoute.ofToken(token)).hasValue(route);
        SessionToken parsed = SessionRoute.parse(token).orElseThrow();
        assertThat(parsed.sessionId()).isEmpty();
        assertThat(parsed.route()).isEqualTo(route);
        assertThat(parsed.hash()).isEqualTo(Secrets.sha256Hex(token));
    }

    @Test
    void extremeRoutesAndIdsRoundTrip() {
        for (int route : new int[] {0, 1, 255, 256, 16_383}) {
            String id = SessionRoute.newSessionId(route);
            assertThat(SessionRoute.ofToken(SessionRoute.newToken(id))).hasValue(route);
            assertThat(SessionRoute.parse(SessionRoute.newToken(id)).orElseThrow().sessionId()).hasValue(id);
            assertThat(SessionRoute.ofSessionId(id)).hasValue(route);
            assertThat(SessionRoute.ofToken(EarlierTokens.mint(route))).hasValue(route);
        }
        for (String id : new String[] {"ses_0000" + "0".repeat(24), "ses_3fff" + "f".repeat(24), "ses_1234" + "0f".repeat(12)}) {
            assertThat(SessionRoute.parse(SessionRoute.newToken(id)).orElseThrow().sessionId()).hasValue(id);
        }
    }

    @Test
    void malformedTokensAndIdsHaveNoRoute() {
        assertThat(SessionRoute.ofToken(null)).isEmpty();
        assertThat(SessionRoute.parse(null)).isEmpty();
        for (int length : new int[] {0, 43, 45, 47, 61, 63}) {
            assertThat(SessionRoute.ofToken("wst_" + "A".repeat(length))).as("%d characters", length).isEmpty();
            assertThat(SessionRoute.parse("wst_" + "A".repeat(length))).isEmpty();
        }
        // route bytes 0xFFFF: beyond the 16 384 routes, in either format
        assertThat(SessionRoute.ofToken("wst_" + "_".repeat(46))).isEmpty();
        assertThat(SessionRoute.ofToken("wst_" + "_".repeat(62))).isEmpty();
        assertThat(SessionRoute.isToken("wst_" + "_".repeat(46))).isFalse();
        assertThat(SessionRoute.ofToken("wst_" + "A".repeat(61) + "=")).isEmpty();
        assertThat(SessionRoute.ofSessionId("ses_" + "f".repeat(28))).isEmpty();
        assertThat(SessionRoute.ofSessionId("ses_" + "0".repeat(24))).isEmpty();
        assertThat(SessionRoute.ofSessionId("ses_" + "G".repeat(28))).isEmpty();
    }
}
