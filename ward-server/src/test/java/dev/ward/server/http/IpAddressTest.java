package dev.ward.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** IP literals: strict parsing (never a DNS lookup) and one canonical spelling per address. */
class IpAddressTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "203.0.113.7, 203.0.113.7",
            "0.0.0.0, 0.0.0.0",
            "255.255.255.255, 255.255.255.255",
            "::1, ::1",
            "0:0:0:0:0:0:0:1, ::1",
            "2001:0DB8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "::ffff:198.51.100.4, 198.51.100.4",
            "fe80::, fe80::",
            ":: , ::"})
    void literalsAreWrittenCanonically(String literal, String canonical) {
        assertThat(IpAddress.canonical(literal.strip())).hasValue(canonical);
    }

    /** The shortcut for a dotted quad already canonical gives what parsing and writing it gives, for any text. */
    @org.junit.jupiter.api.Test
    void theCanonicalDottedQuadShortcutAgreesWithParsing() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(4);
        List<String> texts = new java.util.ArrayList<>(List.of("", "1", "1.", ".1.2.3", "1.2.3.4.", "1..2.3", "0.0.0.0",
                "00.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3.4 ", "1.2.3.a", "1234.1.1.1", "1.2.3.4.5", "9.9.9.999"));
        String alphabet = "0123456789.9";
        for (int i = 0; i < 100_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = random.nextInt(1, 16); n > 0; n--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(b.toString());
            texts.add(random.nextInt(300) + "." + random.nextInt(300) + "." + random.nextInt(300) + "." + random.nextInt(300));
        }
        for (String text : texts) {
            assertThat(IpAddress.canonical(text)).as(text).isEqualTo(IpAddress.parse(text).map(IpAddress::canonical));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.org", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04",
            "fe80::1%eth0", "[::1]", "::1/128", "2001:db8::g", "1.2.3.4 ", " 1.2.3.4", "1:2:3:4:5:6:7:8:9", "abc"})
    void anythingElseIsNotAnAddress(String text) {
        assertThat(IpAddress.parse(text)).isEmpty();
    }

    @ParameterizedTest(name = "{0} trusts {1}: {2}")
    @CsvSource({
            "10.0.0.0/8, 10.255.1.2, true",
            "10.0.0.0/8, 11.0.0.1, false",
            "192.0.2.10, 192.0.2.10, true",
            "192.0.2.10, 192.0.2.11, false",
            "172.16.0.0/12, 172.31.255.255, true",
            "172.16.0.0/12, 172.32.0.0, false",
            "fd00::/8, fd12:3456::1, true",
            "fd00::/8, fe00::1, false",
            "0.0.0.0/0, 8.8.8.8, true",
            "0.0.0.0/0, ::1, false"})
    void proxiesAreMatchedByNetwork(String network, String address, boolean trusted) {
        TrustedProxies proxies = TrustedProxies.parse(List.of(network));
        assertThat(proxies.trusts(IpAddress.parse(address).orElseThrow())).isEqualTo(trusted);
    }
}
