package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.audit.AuditEvent;
import dev.ward.crypto.TenantKeys;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** C5 through HTTP: the encryption API, tenant key administration, shredding, Fernet import. */
class CryptoHttpTest {
    static final Path VECTORS = Path.of("..", "..", "shared", "vectors");
    static TestWard w;
    static String key;
    static String otherTenantKey;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("clinic");
        w.createTenant("other");
        key = w.createApiKey("clinic", "crypto");
        otherTenantKey = w.createApiKey("other", "crypto");
    }

    @AfterAll
    static void stop() {
        w.close();
    }

    static TestWard.Response call(String op, Object body, String apiKey) {
        return w.post("/v1/crypto/" + op, TestWard.json(body), apiKey);
    }

    static String encrypt(String field, String plaintext, String context) {
        Map<String, Object> body = new HashMap<>(Map.of("field", field, "plaintext", plaintext));
        if (context != null) {
            body.put("context", context);
        }
        TestWard.Response r = call("encrypt", body, key);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.text("ciphertext");
    }

    static TestWard.Response decrypt(String field, String ciphertext, String context, String apiKey) {
        Map<String, Object> body = new HashMap<>(Map.of("field", field, "ciphertext", ciphertext));
        if (context != null) {
            body.put("context", context);
        }
        return call("decrypt", body, apiKey);
    }

    static void assertProblem(TestWard.Response r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.code()).as(r.raw()).isEqualTo(code);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void aValueRoundTripsAndEachEncryptionDiffers() {
        String c = encrypt("patient.ssn", "123-45-6789", "patient-4711");

        assertThat(c).matches("ward:v[0-9]+:[A-Za-z0-9_-]+").doesNotContain("123-45");
        TestWard.Response r = decrypt("patient.ssn", c, "patient-4711", key);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.text("plaintext")).isEqualTo("123-45-6789");
        assertThat(encrypt("patient.ssn", "123-45-6789", "patient-4711")).isNotEqualTo(c);
        assertThat(decrypt("note", encrypt("note", "", null), null, key).text("plaintext")).as("empty plaintext").isEmpty();
        assertThat(decrypt("note", encrypt("note", "Zoë 患者", null), null, key).text("plaintext")).isEqualTo("Zoë 患者");
    }

    @Test
    void aCiphertextMovedToAnotherFieldContextOrTenantDoesNotDecrypt() {
        String c = encrypt("patient.ssn", "123-45-6789", "patient-4711");

        assertProblem(decrypt("patient.name", c, "patient-4711", key), 422, "decrypt_failed");
        assertProblem(decrypt("patient.ssn", c, "patient-4712", key), 422, "decrypt_failed");
        assertProblem(decrypt("patient.ssn", c, null, key), 422, "decrypt_failed");
        assertProblem(decrypt("patient.ssn", c, "patient-4711", otherTenantKey), 422, "decrypt_failed");
        assertThat(decrypt("patient.ssn", c, "patient-4711", key).status()).isEqualTo(200);
    }

    @Test
    void flippingAnyByteOfTheCiphertextFailsToDecrypt() {
        String c = encrypt("f", "secret value", null);
        String prefix = c.substring(0, c.indexOf(':', 5) + 1);
        byte[] raw = Base64.getUrlDecoder().decode(c.substring(prefix.length()));
        for (int i = 0; i < raw.length; i += 7) {
            byte[] forged = raw.clone();
            forged[i] ^= (byte) 0x80;
            String tampered = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(forged);
            assertProblem(decrypt("f", tampered, null, key), 422, "decrypt_failed");
        }
    }

    @Test
    void malformedInputIsAValidationFailureNeverA500() {
        for (String garbage : List.of("garbage", "ward:v1:", "ward:vX:AAAA", "ward:v1:***", "m1:AAAA")) {
            TestWard.Response r = decrypt("f", garbage, null, key);
            assertProblem(r, 400, "validation_failed");
            assertThat(r.text("field")).isEqualTo("ciphertext");
        }
        assertProblem(decrypt("f", "ward:v1:AAAA", null, key), 422, "decrypt_failed");
        assertProblem(decrypt("f", "ward:v999:AAAAAAAAAAAAAAAAAAAA", null, key), 422, "decrypt_failed");
        assertThat(call("encrypt", Map.of("plaintext", "x"), key).text("field")).isEqualTo("field");
        assertThat(call("encrypt", Map.of("field", "f", "plaintext", 42), key).text("field")).isEqualTo("plaintext");
        assertThat(call("encrypt", Map.of("field", "bad field!", "plaintext", "x"), key).text("field")).isEqualTo("field");
        assertThat(call("encrypt", Map.of("field", "f", "plaintext", "x", "context", "c".repeat(1025)), key).text("field"))
                .isEqualTo("context");
        assertThat(call("encrypt", Map.of("items", "nope"), key).text("field")).isEqualTo("items");
        assertThat(call("encrypt", Map.of("items", List.of(Map.of("field", "f", "plaintext", "x"), 3)), key).text("field"))
                .isEqualTo("items[1]");
        assertThat(call("decrypt", Map.of("items", List.of(Map.of("field", "f", "ciphertext", "nope"))), key).text("field"))
                .isEqualTo("items[0].ciphertext");
        assertProblem(w.post("/v1/crypto/encrypt", "{not json", key), 400, "validation_failed");
    }

    @Test
    void batchesRoundTripInOrderUpToAThousandItems() {
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            items.add(Map.of("field", "f", "plaintext", "v" + i));
        }
        TestWard.Response enc = call("encrypt", Map.of("items", items), key);
        assertThat(enc.status()).as(enc.raw()).isEqualTo(200);
        assertThat(enc.json().path("items")).hasSize(1000);

        List<Map<String, Object>> back = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            back.add(Map.of("field", "f", "ciphertext", enc.json().path("items").get(i).path("ciphertext").asText()));
        }
        back.set(5, Map.of("field", "other", "ciphertext", enc.json().path("items").get(5).path("ciphertext").asText()));
        TestWard.Response dec = call("decrypt", Map.of("items", back), key);
        assertThat(dec.status()).as(dec.raw()).isEqualTo(200);
        JsonNode out = dec.json().path("items");
        assertThat(out).hasSize(300);
        assertThat(out.get(0).path("plaintext").asText()).isEqualTo("v0");
        assertThat(out.get(299).path("plaintext").asText()).isEqualTo("v299");
        assertThat(out.get(5).path("error").path("code").asText()).as("one bad item fails alone").isEqualTo("decrypt_failed");
        assertThat(out.get(5).has("plaintext")).isFalse();
    }

    @Test
    void batchesOfNoneOrMoreThanAThousandItemsAreRefused() {
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            items.add(Map.of("field", "f", "plaintext", ""));
        }
        TestWard.Response tooMany = call("encrypt", Map.of("items", items), key);
        assertProblem(tooMany, 400, "validation_failed");
        assertThat(tooMany.text("field")).isEqualTo("items");
        assertThat(tooMany.json().path("max_items").asInt()).isEqualTo(1000);
        assertProblem(call("encrypt", Map.of("items", List.of()), key), 400, "validation_failed");
        assertProblem(call("decrypt", Map.of("items", List.of()), key), 400, "validation_failed");
    }

    @Test
    void onlyApiKeysWithTheCryptoScopeMayCall() {
        String sessionsKey = w.createApiKey("clinic", "sessions");
        String adminKey = w.createApiKey("clinic", "admin");
        Map<String, Object> body = Map.of("field", "f", "plaintext", "x");
        for (String op : List.of("encrypt", "decrypt", "rewrap", "import-fernet")) {
            assertProblem(call(op, body, sessionsKey), 403, "insufficient_scope");
            assertProblem(call(op, body, adminKey), 403, "insufficient_scope");
            assertProblem(call(op, body, null), 401, "unauthenticated");
            assertProblem(call(op, body, w.adminToken()), 401, "invalid_api_key");
            assertProblem(call(op, body, "wak_unknown"), 401, "invalid_api_key");
        }
    }

    @Test
    void rotationRewrapAndDestructionThroughTheAdminApi() {
        w.createTenant("shred");
        String k = w.createApiKey("shred", "crypto");
        String admin = w.adminToken();
        String underV1 = call("encrypt", Map.of("field", "f", "plaintext", "old secret", "context", "r1"), k).text("ciphertext");
        assertThat(underV1).startsWith("ward:v1:");

        TestWard.Response rotated = w.post("/v1/admin/tenants/shred/keys/rotate", null, admin);
        assertThat(rotated.status()).as(rotated.raw()).isEqualTo(200);
        assertThat(rotated.json().path("versions").get(0).path("version").asInt()).isEqualTo(2);
        assertThat(rotated.json().path("versions").get(0).path("state").asText()).isEqualTo("primary");
        assertThat(rotated.json().path("versions").get(1).path("state").asText()).isEqualTo("active");
        assertThat(call("encrypt", Map.of("field", "f", "plaintext", "x"), k).text("ciphertext")).startsWith("ward:v2:");

        TestWard.Response rewrapped = call("rewrap", Map.of("ciphertext", underV1), k);
        assertThat(rewrapped.status()).as(rewrapped.raw()).isEqualTo(200);
        assertThat(rewrapped.json().properties()).extracting(Map.Entry::getKey).containsExactly("ciphertext");
        assertThat(rewrapped.raw()).doesNotContain("old secret");
        String underV2 = rewrapped.text("ciphertext");
        assertThat(underV2).startsWith("ward:v2:");

        assertProblem(w.post("/v1/admin/tenants/shred/keys/2/destroy", "{\"confirm\":true}", admin), 409, "key_version_primary");
        assertThat(w.post("/v1/admin/tenants/shred/keys/1/destroy", "{}", admin).text("field")).isEqualTo("confirm");
        assertThat(w.post("/v1/admin/tenants/shred/keys/1/destroy", "{\"confirm\":false}", admin).text("field")).isEqualTo("confirm");
        assertThat(w.post("/v1/admin/tenants/shred/keys/one/destroy", "{\"confirm\":true}", admin).text("field")).isEqualTo("version");
        assertProblem(w.post("/v1/admin/tenants/shred/keys/9/destroy", "{\"confirm\":true}", admin), 404, "key_version_not_found");
        TestWard.Response early = w.post("/v1/admin/tenants/shred/keys/1/destroy", "{\"confirm\":true,\"force\":true}", admin);
        assertProblem(early, 409, "key_version_recently_primary");
        assertThat(early.text("destroyable_at")).isEqualTo(w.clock.instant().plus(TenantKeys.FRESHNESS).toString());
        assertThat(early.json().path("retry_after").asInt()).isEqualTo(10);
        assertThat(w.post("/v1/admin/tenants/shred/keys/1/destroy", "{\"confirm\":true,\"force\":\"yes\"}", admin).text("field"))
                .isEqualTo("force");
        w.clock.advance(TenantKeys.FRESHNESS);
        TestWard.Response destroyed = w.post("/v1/admin/tenants/shred/keys/1/destroy", "{\"confirm\":true}", admin);
        assertThat(destroyed.status()).as(destroyed.raw()).isEqualTo(200);
        assertThat(destroyed.json().path("versions").get(1).path("state").asText()).isEqualTo("destroyed");

        TestWard.Response gone = call("decrypt", Map.of("field", "f", "ciphertext", underV1, "context", "r1"), k);
        assertProblem(gone, 422, "decrypt_failed");
        assertThat(gone.text("reason")).isEqualTo("key_destroyed");
        assertThat(gone.json().path("key_version").asInt()).isEqualTo(1);
        assertProblem(call("rewrap", Map.of("ciphertext", underV1), k), 422, "decrypt_failed");
        assertThat(call("decrypt", Map.of("field", "f", "ciphertext", underV2, "context", "r1"), k).text("plaintext"))
                .isEqualTo("old secret");
        assertThat(w.ward.audit().recent("shred", "key.destroyed", 10)).singleElement()
                .satisfies(e -> assertThat(e.actor()).startsWith("user:"));
        assertThat(w.ward.audit().recent("shred", "key.rotated", 10)).hasSize(1);
    }

    @Test
    void destroyingAVersionStillSealingSessionAttributesIsRefusedWithCountsUnlessForced() {
        w.createTenant("attrs");
        w.createUser("attrs", "ann", "Attrs-Pass-123!", "staff");
        String token = w.login("attrs", "ann", "Attrs-Pass-123!");
        assertThat(w.put("/v1/session/attributes/mrn", "\"MRN-4711\"", token).status()).isEqualTo(204);
        w.post("/v1/admin/tenants/attrs/keys/rotate", null, w.adminToken());
        assertThat(w.put("/v1/session/attributes/fresh", "\"ok\"", token).status()).isEqualTo(204);

        w.clock.advance(TenantKeys.FRESHNESS);

        TestWard.Response inUse = w.post("/v1/admin/tenants/attrs/keys/1/destroy", "{\"confirm\":true}", w.adminToken());
        assertProblem(inUse, 409, "key_in_use");
        assertThat(inUse.json().path("in_use").properties()).extracting(Map.Entry::getKey).containsExactly("session_attributes");
        assertThat(inUse.json().path("in_use").path("session_attributes").asInt()).isEqualTo(1);
        assertThat(w.get("/v1/session/attributes/mrn", token).raw()).as("nothing destroyed").isEqualTo("\"MRN-4711\"");
        TestWard.Response forced = w.post("/v1/admin/tenants/attrs/keys/1/destroy", "{\"confirm\":true,\"force\":true}", w.adminToken());
        assertThat(forced.status()).as(forced.raw()).isEqualTo(200);

        assertProblem(w.get("/v1/session/attributes/mrn", token), 422, "decrypt_failed");
        assertThat(w.get("/v1/session/attributes/fresh", token).raw()).isEqualTo("\"ok\"");
    }

    @Test
    void keyAdministrationIsForAdministratorsOfTheTenant() {
        w.createUser("clinic", "head", "Clinic-Boss-123!", "admin");
        w.createUser("other", "head", "Other-Boss-123!", "admin");
        w.createUser("clinic", "nurse", "Ward-Staff-123!", "staff");
        String clinicAdmin = w.login("clinic", "head", "Clinic-Boss-123!");

        TestWard.Response list = w.get("/v1/admin/tenants/clinic/keys", clinicAdmin);
        assertThat(list.status()).as(list.raw()).isEqualTo(200);
        assertThat(list.text("tenant")).isEqualTo("clinic");
        assertThat(list.raw()).doesNotContain("wrapped").doesNotContain("keyset");
        assertProblem(w.get("/v1/admin/tenants/clinic/keys", w.login("other", "head", "Other-Boss-123!")), 403, "forbidden");
        assertProblem(w.post("/v1/admin/tenants/clinic/keys/rotate", null, w.login("clinic", "nurse", "Ward-Staff-123!")),
                403, "forbidden");
        assertProblem(w.get("/v1/admin/tenants/clinic/keys", key), 403, "insufficient_scope");
        assertProblem(w.get("/v1/admin/tenants/nowhere/keys", w.adminToken()), 404, "tenant_not_found");
    }

    static List<JsonNode> vectors(String name) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        new ObjectMapper().readTree(VECTORS.resolve(name).toFile()).forEach(out::add);
        return out;
    }

    static TestWard.Response importFernet(TestWard server, JsonNode v, String apiKey) {
        return server.post("/v1/crypto/import-fernet", TestWard.json(Map.of("fernet_key", v.path("secret").asText(),
                "token", v.path("token").asText(), "field", "legacy.note")), apiKey);
    }

    @Test
    void fernetTokensOfAnyAgeBecomeWardCiphertext() throws Exception {
        for (String file : List.of("fernet-verify.json", "fernet-generate.json")) {
            for (JsonNode v : vectors(file)) {
                TestWard.Response r = importFernet(w, v, key);
                assertThat(r.status()).as(r.raw()).isEqualTo(200);
                assertThat(r.text("ciphertext")).startsWith("ward:v");
                assertThat(decrypt("legacy.note", r.text("ciphertext"), null, key).text("plaintext")).isEqualTo(v.path("src").asText());
            }
        }
    }

    @Test
    void everyInvalidFernetTokenIsRefusedAsFernetInvalid() throws Exception {
        for (JsonNode v : vectors("fernet-invalid.json")) {
            TestWard.Response r = importFernet(w, v, key);
            assertThat(r.status()).as(v.path("desc").asText() + ": " + r.raw()).isEqualTo(422);
            assertThat(r.code()).isEqualTo("fernet_invalid");
        }
        JsonNode any = vectors("fernet-verify.json").getFirst();
        TestWard.Response badKey = w.post("/v1/crypto/import-fernet", TestWard.json(Map.of("fernet_key", "short",
                "token", any.path("token").asText(), "field", "f")), key);
        assertProblem(badKey, 400, "validation_failed");
        assertThat(badKey.text("field")).isEqualTo("fernet_key");
        String otherKey = Base64.getUrlEncoder().encodeToString(new byte[32]);
        assertProblem(w.post("/v1/crypto/import-fernet", TestWard.json(Map.of("fernet_key", otherKey,
                "token", any.path("token").asText(), "field", "f")), key), 422, "fernet_invalid");
    }

    @Test
    void aFernetTokenFromTheFutureIsRefusedButAnyPastAgeIsAccepted() throws Exception {
        JsonNode v = vectors("fernet-verify.json").getFirst();
        java.time.Instant made = OffsetDateTime.parse(v.path("now").asText()).toInstant().minusSeconds(1);
        try (TestWard then = new TestWard()) {
            then.createTenant("legacy");
            String k = then.createApiKey("legacy", "crypto");
            then.clock.set(made.minusSeconds(61));
            assertThat(importFernet(then, v, k).code()).as("more than 60 s ahead of the server's clock").isEqualTo("fernet_invalid");
            then.clock.set(made.minusSeconds(59));
            assertThat(importFernet(then, v, k).status()).as("within the clock skew").isEqualTo(200);
        }
    }

    @Test
    void encryptionsAreCountedPerFieldAndWrittenAsOneAuditEventPerTenant() {
        w.createTenant("counted");
        String k = w.createApiKey("counted", "crypto");
        String c = call("encrypt", Map.of("field", "patient.ssn", "plaintext", "1"), k).text("ciphertext");
        call("encrypt", Map.of("items", List.of(Map.of("field", "patient.ssn", "plaintext", "2"),
                Map.of("field", "patient.name", "plaintext", "3"))), k);
        call("decrypt", Map.of("field", "patient.ssn", "ciphertext", c), k);
        call("decrypt", Map.of("field", "patient.name", "ciphertext", c), k);

        assertThat(w.ward.flushCryptoUsageNow()).isGreaterThanOrEqualTo(1);

        List<AuditEvent> events = w.ward.audit().recent("counted", "crypto.usage", 10);
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().details().get("counts")).isEqualTo(Map.of(
                "patient.ssn", Map.of("encrypt", 2, "decrypt", 1),
                "patient.name", Map.of("encrypt", 1, "decrypt_failed", 1)));
        w.ward.flushCryptoUsageNow();
        assertThat(w.ward.audit().recent("counted", "crypto.usage", 10)).as("nothing new, nothing written").hasSize(1);
    }

    @Test
    void keysAndCiphertextsSurviveANewServerOnTheSameDatabase() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("CryptoHttpTest")) {
            String master = Base64.getEncoder().encodeToString(dev.ward.crypto.Secrets.randomBytes(32));
            String k;
            String underV1;
            String underV2;
            try (TestWard first = TestWard.onPostgres(schema.url(), master)) {
                first.createTenant("durable");
                k = first.createApiKey("durable", "crypto");
                underV1 = first.post("/v1/crypto/encrypt", TestWard.json(Map.of("field", "f", "plaintext", "one")), k).text("ciphertext");
                first.post("/v1/admin/tenants/durable/keys/rotate", null, first.adminToken());
                underV2 = first.post("/v1/crypto/encrypt", TestWard.json(Map.of("field", "f", "plaintext", "two")), k).text("ciphertext");
            }
            try (TestWard second = TestWard.onPostgres(schema.url(), master)) {
                assertThat(second.post("/v1/crypto/decrypt", TestWard.json(Map.of("field", "f", "ciphertext", underV1)), k)
                        .text("plaintext")).isEqualTo("one");
                assertThat(second.post("/v1/crypto/decrypt", TestWard.json(Map.of("field", "f", "ciphertext", underV2)), k)
                        .text("plaintext")).isEqualTo("two");
                assertThat(second.get("/v1/admin/tenants/durable/keys", second.adminToken()).json().path("versions")).hasSize(2);
            }
        }
    }
}
