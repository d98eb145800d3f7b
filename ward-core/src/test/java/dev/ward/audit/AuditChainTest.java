package dev.ward.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chain's canonical form: one encoding per event, every field covered, and an independent recomputation. */
class AuditChainTest {
    private static final Instant AT = Instant.parse("2026-11-22T10:00:00.123Z");

    private static String h(String prev, String tenant, long seq, String type, String userId, String details) {
        return AuditChain.hash(prev, tenant, seq, AT, type, "success", "user:usr_1", userId, "ses_1", null, "203.0.113.7", details);
    }

    @Test
    void theHashIsSha256OfThePreviousHashAndTheLengthPrefixedFields() throws Exception {
        // Recomputed independently of AuditChain's code, from the documented form.
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[32]);
        for (String f : new String[] {"ward-audit-v1", "stmarys", "1", Long.toString(AT.toEpochMilli()), "login.succeeded", "success",
                "user:usr_1", "usr_1", "ses_1", null, "203.0.113.7", "{\"aal\":1}"}) {
            if (f == null) {
                out.writeBytes(new byte[] {-1, -1, -1, -1});
            } else {
                byte[] b = f.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(b.length).array());
                out.writeBytes(b);
            }
        }
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
        assertThat(h(AuditChain.GENESIS, "stmarys", 1, "login.succeeded", "usr_1", "{\"aal\":1}")).isEqualTo(expected);
    }

    @Test
    void everyFieldAndThePreviousHashChangeTheHash() {
        String base = h(AuditChain.GENESIS, "stmarys", 1, "login.succeeded", "usr_1", "{}");
        assertThat(List.of(
                h("1" + AuditChain.GENESIS.substring(1), "stmarys", 1, "login.succeeded", "usr_1", "{}"),
                h(AuditChain.GENESIS, "stmary", 1, "login.succeeded", "usr_1", "{}"),
                h(AuditChain.GENESIS, "stmarys", 2, "login.succeeded", "usr_1", "{}"),
                h(AuditChain.GENESIS, "stmarys", 1, "login.failed", "usr_1", "{}"),
                h(AuditChain.GENESIS, "stmarys", 1, "login.succeeded", "usr_2", "{}"),
                h(AuditChain.GENESIS, "stmarys", 1, "login.succeeded", null, "{}"),
                h(AuditChain.GENESIS, "stmarys", 1, "login.succeeded", "", "{}"),
                h(AuditChain.GENESIS, "stmarys", 1, "login.succeeded", "usr_1", "{\"a\":1}"),
                AuditChain.hash(AuditChain.GENESIS, "stmarys", 1, AT.plusMillis(1), "login.succeeded", "success", "user:usr_1",
                        "usr_1", "ses_1", null, "203.0.113.7", "{}")))
                .doesNotContain(base).doesNotHaveDuplicates();
    }

    @Test
    void fieldBoundariesCannotBeShifted() {
        assertThat(h(AuditChain.GENESIS, "ab", 1, "c", "usr", "{}")).isNotEqualTo(h(AuditChain.GENESIS, "a", 1, "bc", "usr", "{}"));
    }

    @Test
    void canonicalJsonSortsKeysAndHasOneSpelling() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("z", 1);
        a.put("a", List.of("x", true, 2L));
        a.put("m", Map.of("b", "q\"\\\n\u0001", "a", 7));
        assertThat(CanonicalJson.write(a)).isEqualTo("{\"a\":[\"x\",true,2],\"m\":{\"a\":7,\"b\":\"q\\\"\\\\\\n\\u0001\"},\"z\":1}");
        assertThat(CanonicalJson.write(Map.of("k", 5))).isEqualTo(CanonicalJson.write(Map.of("k", 5L)));
    }

    @Test
    void floatsAndSetsHaveNoSingleSpellingAndAreRefused() {
        assertThatThrownBy(() -> CanonicalJson.write(Map.of("x", 1.5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CanonicalJson.write(Map.of("x", java.util.Set.of("a", "b")))).isInstanceOf(IllegalArgumentException.class);
    }
}
