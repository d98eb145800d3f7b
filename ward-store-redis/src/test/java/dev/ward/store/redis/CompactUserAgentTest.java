package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactUserAgentTest {
    @Test
    void browsersUserAgentsBecomeShortAndComeBackExactly() {
        for (String ua : new String[] {
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15",
                "Mozilla/5.0 (X11; Linux x86_64; rv:134.0) Gecko/20100101 Firefox/134.0",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"}) {
            String compact = CompactUserAgent.encode(ua).orElseThrow();
            assertThat(compact.length()).as(ua).isLessThanOrEqualTo(RedisSessionStore.PIECE).isLessThan(ua.length() / 2);
            assertThat(compact).matches("[A-Za-z0-9_-]+");
            assertThat(CompactUserAgent.decode(compact)).isEqualTo(ua);
        }
    }

    @Test
    void anythingElseComesBackExactlyOrIsKeptAsItIs() {
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(513);
            while (b.length() < length) {
                b.appendCodePoint(random.nextInt(4) == 0 ? 0x20 + random.nextInt(0x2FFF) : 0x20 + random.nextInt(0x5f));
            }
            String ua = b.toString();
            CompactUserAgent.encode(ua).ifPresent(compact -> {
                assertThat(compact.length()).isLessThan(ua.getBytes(StandardCharsets.UTF_8).length);
                assertThat(CompactUserAgent.decode(compact)).isEqualTo(ua);
            });
        }
        assertThat(CompactUserAgent.encode("")).isEmpty();
        assertThat(CompactUserAgent.encode("curl/8.5.0")).isEmpty();
    }
}
