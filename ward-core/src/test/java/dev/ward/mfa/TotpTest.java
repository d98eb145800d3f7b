package dev.ward.mfa;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TotpTest {
    private static final byte[] RFC_SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

    /** One entry of RFC 6238 Appendix B, as in the shared vectors file (copied to the test resources). */
    record Vector(long time, String algorithm, String secret, int digits, int period, String code) {}

    static List<Vector> vectors() throws IOException {
        String json;
        try (InputStream in = TotpTest.class.getResourceAsStream("rfc6238-totp.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Vector> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\\s*\"time\":\\s*(\\d+),\\s*\"algorithm\":\\s*\"(\\w+)\",\\s*\"secret_ascii\":\\s*\"(\\w+)\","
                + "\\s*\"digits\":\\s*(\\d+),\\s*\"period\":\\s*(\\d+),\\s*\"code\":\\s*\"(\\d+)\"\\s*}").matcher(json);
        while (m.find()) {
            out.add(new Vector(Long.parseLong(m.group(1)), m.group(2), m.group(3), Integer.parseInt(m.group(4)),
                    Integer.parseInt(m.group(5)), m.group(6)));
        }
        return out;
    }

    @Test
    void matchesEveryRfc6238Vector() throws IOException {
        List<Vector> vectors = vectors();
        assertThat(vectors).hasSize(18);
        assertThat(vectors).extracting(Vector::algorithm).contains("SHA1", "SHA256", "SHA512");
        for (Vector v : vectors) {
            long step = Totp.step(Instant.ofEpochSecond(v.time()), java.time.Duration.ofSeconds(v.period()));
            assertThat(Totp.code(v.secret().getBytes(StandardCharsets.US_ASCII), step, v.algorithm(), v.digits()))
                    .as("%s at %d", v.algorithm(), v.time()).isEqualTo(v.code());
        }
    }

    @Test
    void sixDigitCodesAreTheLastSixDigitsOfTheRfcSha1Vectors() throws IOException {
        for (Vector v : vectors()) {
            if (v.algorithm().equals("SHA1")) {
                long step = Totp.step(Instant.ofEpochSecond(v.time()), Totp.PERIOD);
                assertThat(Totp.code(RFC_SEED, step, Totp.ALGORITHM, Totp.DIGITS)).isEqualTo(v.code().substring(2));
            }
        }
    }

    /** RFC 4226 Appendix D: HOTP, 6 digits, counters 0-9 — TOTP is HOTP of the time step. */
    @Test
    void matchesRfc4226SixDigitValues() {
        List<String> expected = List.of("755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
                "399871", "520489");
        for (int counter = 0; counter < expected.size(); counter++) {
            assertThat(Totp.code(RFC_SEED, counter, "SHA1", 6)).as("counter %d", counter).isEqualTo(expected.get(counter));
        }
    }

    @Test
    void acceptsOneStepOfDriftEitherSideAndNoMore() {
        long now = 1000;
        for (long s = now - 3; s <= now + 3; s++) {
            OptionalLong matched = Totp.matchingStep(RFC_SEED, Totp.code(RFC_SEED, s, "SHA1", 6), now);
            if (Math.abs(s - now) <= 1) {
                assertThat(matched).as("step %d", s).hasValue(s);
            } else {
                assertThat(matched).as("step %d", s).isEmpty();
            }
        }
    }

    @Test
    void stepsAreThirtySecondsFromTheEpoch() {
        assertThat(Totp.step(Instant.ofEpochSecond(59), Totp.PERIOD)).isEqualTo(1);
        assertThat(Totp.step(Instant.ofEpochSecond(60), Totp.PERIOD)).isEqualTo(2);
        assertThat(Totp.step(Instant.parse("2026-11-22T10:00:29Z"), Totp.PERIOD))
                .isEqualTo(Totp.step(Instant.parse("2026-11-22T10:00:00Z"), Totp.PERIOD));
    }

    @Test
    void base32MatchesRfc4648() {
        assertThat(Base32.encode("".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(Base32.encode("f".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MY");
        assertThat(Base32.encode("foob".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YQ");
        assertThat(Base32.encode("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTBOI");
        assertThat(Base32.encode(RFC_SEED)).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}
