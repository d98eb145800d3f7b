package dev.ward.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void sessionTokenIsPrefixPlus256BitsOfBase64Url() {
        String token = Secrets.newToken("wst_", 32);
        assertThat(token).matches("wst_[A-Za-z0-9_-]{43}");
    }

    @Test
    void tokensAreUniqueOverManyDraws() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertThat(seen.add(Secrets.newToken("wst_", 32))).isTrue();
        }
    }

    @Test
    void idsArePrefixPlus24HexCharsAndUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = Secrets.newId("ses_");
            assertThat(id).matches("ses_[0-9a-f]{24}");
            assertThat(seen.add(id)).isTrue();
        }
    }

    @Test
    void randomBytesHaveTheAskedLength() {
        assertThat(Secrets.randomBytes(0)).isEmpty();
        assertThat(Secrets.randomBytes(32)).hasSize(32);
    }

    @Test
    void sha256HexMatchesTheFips180Vectors() {
        assertThat(Secrets.sha256Hex("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Secrets.sha256Hex(""))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Secrets.sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
                .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }

    @Test
    void sha256HexIsLowerCase64Chars() {
        assertThat(Secrets.sha256Hex(Secrets.newToken("wst_", 32))).matches("[0-9a-f]{64}");
    }

    @Test
    void constantTimeEqualsComparesContent() {
        String a = Secrets.sha256Hex("abc");
        assertThat(Secrets.constantTimeEquals(a, new String(a.toCharArray()))).isTrue();
        assertThat(Secrets.constantTimeEquals(a, Secrets.sha256Hex("abd"))).isFalse();
        assertThat(Secrets.constantTimeEquals(a, a.substring(0, 63))).isFalse();
        assertThat(Secrets.constantTimeEquals("", "")).isTrue();
        assertThat(Secrets.constantTimeEquals("a", "")).isFalse();
    }

    @Test
    void randomIntStaysInBounds() {
        for (int i = 0; i < 10_000; i++) {
            assertThat(Secrets.randomInt(7)).isBetween(0, 6);
        }
    }
}
