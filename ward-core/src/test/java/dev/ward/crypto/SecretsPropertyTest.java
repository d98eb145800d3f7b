package dev.ward.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;

class SecretsPropertyTest {

    @Property(tries = 500)
    void tokenIsPrefixFollowedByUnpaddedBase64UrlOfTheAskedBytes(
            @ForAll @StringLength(max = 8) String prefix, @ForAll @IntRange(min = 1, max = 64) int bytes) {
        String token = Secrets.newToken(prefix, bytes);
        assertThat(token).startsWith(prefix);
        String body = token.substring(prefix.length());
        assertThat(body).matches("[A-Za-z0-9_-]*").doesNotContain("=");
        assertThat(Base64.getUrlDecoder().decode(body)).hasSize(bytes);
    }

    @Property(tries = 1000)
    void sessionTokensAlwaysMatchTheValidatedShape() {
        assertThat(Secrets.newToken("wst_", 32)).matches("wst_[A-Za-z0-9_-]{43}");
    }

    @Property(tries = 300)
    void sha256HexIsADeterministic64CharFunction(@ForAll String input) {
        String h = Secrets.sha256Hex(input);
        assertThat(h).matches("[0-9a-f]{64}").isEqualTo(Secrets.sha256Hex(input));
    }

    @Property(tries = 300)
    void constantTimeEqualsAgreesWithEquals(@ForAll @AlphaChars @NumericChars @StringLength(max = 64) String a,
                                            @ForAll @AlphaChars @NumericChars @StringLength(max = 64) String b) {
        assertThat(Secrets.constantTimeEquals(a, b)).isEqualTo(a.equals(b));
        assertThat(Secrets.constantTimeEquals(a, a)).isTrue();
    }
}
