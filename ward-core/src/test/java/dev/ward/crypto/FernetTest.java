package dev.ward.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Fernet against the specification's published vectors (../shared/vectors/fernet-*.json). */
class FernetTest {
    private static final Path VECTORS = Path.of("..", "..", "shared", "vectors");

    static List<JsonNode> vectors(String name) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        new ObjectMapper().readTree(VECTORS.resolve(name).toFile()).forEach(out::add);
        assertThat(out).as(name).isNotEmpty();
        return out;
    }

    private static Instant now(JsonNode v) {
        return OffsetDateTime.parse(v.path("now").asText()).toInstant();
    }

    private static Fernet key(JsonNode v) {
        return Fernet.key(v.path("secret").asText()).orElseThrow();
    }

    @Test
    void verifyVectorsDecryptWithinTheirTtl() throws IOException {
        for (JsonNode v : vectors("fernet-verify.json")) {
            byte[] plain = key(v).decrypt(v.path("token").asText(), now(v), Optional.of(Duration.ofSeconds(v.path("ttl_sec").asLong())));
            assertThat(new String(plain, StandardCharsets.UTF_8)).isEqualTo(v.path("src").asText());
        }
    }

    @Test
    void generateVectorsDecryptToTheirSourceAndCarryTheirTimestampAndIv() throws IOException {
        for (JsonNode v : vectors("fernet-generate.json")) {
            String token = v.path("token").asText();
            assertThat(new String(key(v).decrypt(token, now(v), Optional.empty()), StandardCharsets.UTF_8)).isEqualTo(v.path("src").asText());
            byte[] raw = Base64.getUrlDecoder().decode(token);
            assertThat(ByteBuffer.wrap(raw, 1, 8).getLong()).isEqualTo(now(v).getEpochSecond());
            byte[] iv = new byte[16];
            for (int i = 0; i < 16; i++) {
                iv[i] = (byte) v.path("iv").get(i).asInt();
            }
            assertThat(java.util.Arrays.copyOfRange(raw, 9, 25)).isEqualTo(iv);
        }
    }

    @Test
    void everyInvalidVectorIsRefusedWithTheSameException() throws IOException {
        for (JsonNode v : vectors("fernet-invalid.json")) {
            Throwable t = catchThrowable(() -> key(v).decrypt(v.path("token").asText(), now(v),
                    Optional.of(Duration.ofSeconds(v.path("ttl_sec").asLong()))));
            assertThat(t).as(v.path("desc").asText()).isExactlyInstanceOf(Fernet.InvalidToken.class);
            assertThat(t.getMessage()).isEqualTo("invalid Fernet token");
        }
    }

    @Test
    void anyAgeIsAcceptedWithoutTtlButTheFutureIsNot() throws IOException {
        JsonNode v = vectors("fernet-verify.json").getFirst();
        byte[] plain = key(v).decrypt(v.path("token").asText(), now(v).plus(Duration.ofDays(365 * 40)), Optional.empty());
        assertThat(new String(plain, StandardCharsets.UTF_8)).isEqualTo(v.path("src").asText());

        assertThat(catchThrowable(() -> key(v).decrypt(v.path("token").asText(), now(v).minusSeconds(62), Optional.empty())))
                .isInstanceOf(Fernet.InvalidToken.class);
    }

    @Test
    void everySingleFlippedByteIsRefused() throws IOException {
        JsonNode v = vectors("fernet-verify.json").getFirst();
        byte[] raw = Base64.getUrlDecoder().decode(v.path("token").asText());
        for (int i = 0; i < raw.length; i++) {
            byte[] forged = raw.clone();
            forged[i] ^= 0x01;
            String token = Base64.getUrlEncoder().encodeToString(forged);
            assertThat(catchThrowable(() -> key(v).decrypt(token, now(v), Optional.empty()))).as("byte %d", i)
                    .isInstanceOf(Fernet.InvalidToken.class);
        }
    }

    @Test
    void keysMustBe32BytesOfBase64url() {
        assertThat(Fernet.key("not base64 !")).isEmpty();
        assertThat(Fernet.key(Base64.getUrlEncoder().encodeToString(new byte[31]))).isEmpty();
        assertThat(Fernet.key(Base64.getUrlEncoder().encodeToString(new byte[32]))).isPresent();
        assertThat(Fernet.key(Base64.getUrlEncoder().encodeToString(new byte[32])).orElseThrow().toString()).doesNotContain("AAAA");
    }
}
