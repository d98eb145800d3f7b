package dev.ward.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
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
    void tokenAndIdNameTheirRouteAndKeep256RandomBits() {
        int route = SessionRoute.of("stmarys", "usr_0123456789abcdef01234567");
        String token = SessionRoute.newToken(route);
        String id = SessionRoute.newSessionId(route);

        assertThat(token).matches("wst_[A-Za-z0-9_-]{46}");
        assertThat(Base64.getUrlDecoder().decode(token.substring(4))).hasSize(34);
        assertThat(SessionRoute.ofToken(token)).hasValue(route);
        assertThat(id).matches("ses_[0-9a-f]{28}");
        assertThat(SessionRoute.ofSessionId(id)).hasValue(route);
        assertThat(SessionRoute.newToken(route)).isNotEqualTo(token);
    }

    @Test
    void extremeRoutesRoundTrip() {
        for (int route : new int[] {0, 1, 255, 256, 16_383}) {
            assertThat(SessionRoute.ofToken(SessionRoute.newToken(route))).hasValue(route);
            assertThat(SessionRoute.ofSessionId(SessionRoute.newSessionId(route))).hasValue(route);
        }
    }

    @Test
    void malformedTokensAndIdsHaveNoRoute() {
        assertThat(SessionRoute.ofToken(null)).isEmpty();
        assertThat(SessionRoute.ofToken("wst_" + "A".repeat(43))).isEmpty();
        assertThat(SessionRoute.ofToken("wst_" + "A".repeat(47))).isEmpty();
        // route bytes 0xFFFF: beyond the 16 384 routes
        assertThat(SessionRoute.ofToken("wst_" + "_".repeat(46))).isEmpty();
        assertThat(SessionRoute.isToken("wst_" + "_".repeat(46))).isFalse();
        assertThat(SessionRoute.ofSessionId("ses_" + "f".repeat(28))).isEmpty();
        assertThat(SessionRoute.ofSessionId("ses_" + "0".repeat(24))).isEmpty();
        assertThat(SessionRoute.ofSessionId("ses_" + "G".repeat(28))).isEmpty();
    }
}
