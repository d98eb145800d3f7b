package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GET /v1/admin/audit (issue 11, item 4): every filter and their combinations answer exactly the matching events,
 * newest first; cursor pages neither repeat nor skip while events are appended; a tenant's administrator reads only
 * their tenant; bad input is a problem naming the parameter.
 */
class AuditSearchHttpTest {
    static final String BOSS_PW = "Chief-Of-Medicine-9!";
    static TestWard w;
    static String auditKey;
    static String house;
    static String cuddy;
    /** The first and the last seeded event's time. */
    static Instant firstAt;
    static Instant lastAt;

    @BeforeAll
    static void start() {
        seed(new TestWard());
    }

    /** Two tenants, their administrators, and 30 app events in each (stmarys's with users, patients and types mixed). */
    static void seed(TestWard ward) {
        w = ward;
        w.createTenant("stmarys");
        w.createTenant("oakridge");
        house = w.createUser("stmarys", "drhouse", "Vicodin-And-Canes-1!", "staff");
        cuddy = w.createUser("stmarys", "cuddy", BOSS_PW, "admin");
        w.createUser("oakridge", "oakboss", BOSS_PW, "admin");
        auditKey = w.createApiKey("stmarys", "audit");
        String oakKey = w.createApiKey("oakridge", "audit");
        firstAt = w.clock.instant();
        for (int i = 0; i < 30; i++) {
            String type = switch (i % 3) {
                case 0 -> "app.patient.read";
                case 1 -> "app.patient.update";
                default -> "app.report.printed";
            };
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", type);
            body.put("user_id", i % 2 == 0 ? house : cuddy);
            if (i % 3 != 2) {
                body.put("patient_id", "pat-" + (i % 5));
            }
            lastAt = w.clock.instant();
            assertThat(w.post("/v1/audit/events", TestWard.json(body), auditKey).status()).isEqualTo(201);
            // The other tenant's events have the same patients: none may leak into stmarys's answers.
            assertThat(w.post("/v1/audit/events", TestWard.json(Map.of("type", "app.patient.read", "patient_id", "pat-" + (i % 5))),
                    oakKey).status()).isEqualTo(201);
            w.clock.advance(Duration.ofMinutes(1));
        }
    }

    @AfterAll
    static void stop() throws Exception { w.close(); }

    static String boss() { return w.login("stmarys", "cuddy", BOSS_PW); }

    static String q(String v) { return URLEncoder.encode(v, StandardCharsets.UTF_8); }

    /** Every page of a search, followed through its cursors. */
    static List<JsonNode> all(String query, String token) {
        List<JsonNode> events = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 100; pages++) {
            var r = w.get("/v1/admin/audit?" + query + (cursor == null ? "" : "&cursor=" + q(cursor)), token);
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            r.json().path("events").forEach(events::add);
            cursor = r.json().path("next_cursor").isNull() ? null : r.json().path("next_cursor").asText();
            if (cursor == null) {
                return events;
            }
        }
        throw new AssertionError("no last page");
    }

    static List<Long> seqs(List<JsonNode> events) {
        return events.stream().map(e -> e.path("seq").asLong()).toList();
    }

    @Test
    void everyFilterAndCombinationAnswersExactlyTheMatchingEventsNewestFirst() {
        String token = boss();
        List<JsonNode> everything = all("tenant=stmarys&limit=1000", token);
        List<Long> seqs = seqs(everything);
        assertThat(seqs).as("newest first, the whole chain").isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(seqs.getFirst()).isEqualTo(seqs.size());
        assertThat(everything.getFirst().path("hash").asText()).hasSize(64);
        assertThat(everything).noneMatch(e -> e.path("patient_id").asText("").startsWith("pat-") && e.path("actor").asText().isEmpty());

        Map<String, Predicate<JsonNode>> cases = new LinkedHashMap<>();
        cases.put("user_id=" + house, e -> house.equals(e.path("user_id").asText(null)));
        cases.put("patient_id=pat-3", e -> "pat-3".equals(e.path("patient_id").asText(null)));
        cases.put("type=app.patient.update", e -> e.path("type").asText().equals("app.patient.update"));
        cases.put("type=app.patient.*", e -> e.path("type").asText().startsWith("app.patient."));
        cases.put("type=app.*", e -> e.path("type").asText().startsWith("app."));
        cases.put("type=admin.*", e -> e.path("type").asText().startsWith("admin."));
        cases.put("type=nothing.here", e -> false);
        Instant from = firstAt.plus(Duration.ofMinutes(5));
        Instant to = firstAt.plus(Duration.ofMinutes(17));
        Predicate<JsonNode> inWindow = e -> !Instant.parse(e.path("at").asText()).isBefore(from)
                && Instant.parse(e.path("at").asText()).isBefore(to);
        cases.put("from=" + from + "&to=" + to, inWindow);
        cases.put("from=" + from, e -> !Instant.parse(e.path("at").asText()).isBefore(from));
        cases.put("to=" + to, e -> Instant.parse(e.path("at").asText()).isBefore(to));
        cases.put("user_id=" + cuddy + "&type=app.patient.*", e -> cuddy.equals(e.path("user_id").asText(null))
                && e.path("type").asText().startsWith("app.patient."));
        cases.put("user_id=" + house + "&patient_id=pat-0&from=" + from + "&to=" + to, e -> house.equals(e.path("user_id").asText(null))
                && "pat-0".equals(e.path("patient_id").asText(null)) && inWindow.test(e));
        cases.put("patient_id=pat-1&type=app.patient.read", e -> "pat-1".equals(e.path("patient_id").asText(null))
                && e.path("type").asText().equals("app.patient.read"));
        for (var c : cases.entrySet()) {
            List<Long> expected = seqs(everything.stream().filter(c.getValue()).toList());
            // A small page size, so that each filter is also paged (prefix types across their merged walks).
            // Each search records itself (audit.searched) after reading: events newer than the snapshot can only be those,
            // and the periodic checkpoints that the chain's moving brings (audit.checkpoint).
            List<JsonNode> found = all("tenant=stmarys&limit=4&" + c.getKey(), token);
            assertThat(found).filteredOn(e -> e.path("seq").asLong() > seqs.getFirst())
                    .allMatch(e -> Set.of("audit.searched", "audit.checkpoint").contains(e.path("type").asText()),
                            "newer than the snapshot: searches' records and periodic checkpoints");
            List<Long> got = seqs(found.stream().filter(e -> e.path("seq").asLong() <= seqs.getFirst()).toList());
            assertThat(got).as(c.getKey()).isEqualTo(expected);
            if (!c.getKey().equals("type=nothing.here")) {
                assertThat(got).as(c.getKey()).isNotEmpty();
            }
        }
    }

    @Test
    void pagesNeitherRepeatNorSkipWhileEventsAreAppended() {
        String token = boss();
        long headBefore = w.get("/v1/admin/audit?tenant=stmarys&limit=1", token).json().path("events").get(0).path("seq").asLong();
        List<Long> seen = new ArrayList<>();
        String cursor = null;
        do {
            var r = w.get("/v1/admin/audit?tenant=stmarys&limit=7" + (cursor == null ? "" : "&cursor=" + q(cursor)), token);
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            seen.addAll(seqs(List.copyOf(iterable(r.json().path("events")))));
            for (int i = 0; i < 3; i++) {
                assertThat(w.post("/v1/audit/events", TestWard.json(Map.of("type", "app.report.viewed")), auditKey).status()).isEqualTo(201);
            }
            cursor = r.json().path("next_cursor").isNull() ? null : r.json().path("next_cursor").asText();
        } while (cursor != null);
        Set<Long> unique = new HashSet<>(seen);
        assertThat(unique).as("no duplicates").hasSameSizeAs(seen);
        // The first page began at the head of then (plus the login's events); every older event came exactly once.
        long top = seen.getFirst();
        assertThat(top).isGreaterThanOrEqualTo(headBefore);
        assertThat(seen).as("no gaps").isEqualTo(java.util.stream.LongStream.iterate(top, s -> s >= 1, s -> s - 1).boxed().toList());
    }

    static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    /**
     * Reading the trail is itself in the trail (DICOM 110101 Audit Log Used): a search page, an export and a verification
     * each leave one event in the chain of the tenant read, naming the reader and what was asked — never what was found.
     */
    @Test
    void eachSearchExportAndVerificationRecordsOneEventWithTheFiltersNotTheResults() {
        String token = boss();
        String actor = "user:" + cuddy;
        Instant from = firstAt.plus(Duration.ofMinutes(2));
        Instant to = firstAt.plus(Duration.ofMinutes(20));

        long before = count("audit.searched");
        var page = w.get("/v1/admin/audit?tenant=stmarys&limit=1&patient_id=pat-1&type=app.patient.*&from=" + from + "&to=" + to, token);
        assertThat(page.status()).as(page.raw()).isEqualTo(200);
        assertThat(page.json().path("next_cursor").isNull()).as("two matching events, one per page").isFalse();
        String cursor = page.json().path("next_cursor").asText();
        var next = w.get("/v1/admin/audit?tenant=stmarys&limit=1&patient_id=pat-1&type=app.patient.*&from=" + from + "&to=" + to
                + "&cursor=" + q(cursor), token);
        assertThat(next.status()).as(next.raw()).isEqualTo(200);
        assertThat(count("audit.searched")).as("one event per request (page)").isEqualTo(before + 2);
        var searched = newest("audit.searched");
        assertThat(searched.actor()).isEqualTo(actor);
        assertThat(searched.outcome()).isEqualTo("success");
        assertThat(searched.details()).containsOnlyKeys("patient_id", "type", "from", "to", "limit", "cursor")
                .containsEntry("patient_id", "pat-1").containsEntry("type", "app.patient.*").containsEntry("from", from.toString())
                .containsEntry("to", to.toString()).containsEntry("cursor", cursor);
        assertThat(((Number) searched.details().get("limit")).intValue()).isEqualTo(1);
        assertThat(searched.patientId()).as("a filter, not a patient's record read").isNull();

        var export = w.get("/v1/admin/audit/export?tenant=stmarys&format=csv&from=" + from, token);
        assertThat(export.status()).as(export.raw()).isEqualTo(200);
        var exported = newest("audit.exported");
        assertThat(exported.actor()).isEqualTo(actor);
        assertThat(exported.details()).containsOnly(Map.entry("format", "csv"), Map.entry("from", from.toString()));
        assertThat(export.raw()).as("an export whose window reaches now carries its own record")
                .contains(",audit.exported,");

        long verifiedBefore = count("audit.verified");
        assertThat(w.get("/v1/admin/audit/verify?tenant=stmarys", token).json().path("ok").asBoolean()).isTrue();
        assertThat(count("audit.verified")).isEqualTo(verifiedBefore + 1);
        assertThat(newest("audit.verified").actor()).isEqualTo(actor);

        // A refused read is not a use of the log: it leaves its refusal (security.cross_tenant_denied), nothing in the other chain.
        long oakSearched = w.ward.audit().recent("oakridge", "audit.searched", 1000).size();
        assertThat(w.get("/v1/admin/audit?tenant=oakridge", token).status()).isEqualTo(403);
        assertThat(w.get("/v1/admin/audit/export?tenant=oakridge", token).status()).isEqualTo(403);
        assertThat(w.ward.audit().recent("oakridge", "audit.searched", 1000)).hasSize((int) oakSearched);
        assertThat(w.ward.audit().recent("oakridge", "audit.exported", 1000)).isEmpty();
    }

    private static long count(String type) {
        return w.ward.audit().recent("stmarys", type, 10_000).size();
    }

    private static dev.ward.audit.AuditEvent newest(String type) {
        return w.ward.audit().recent("stmarys", type, 1).getFirst();
    }

    @Test
    void aTenantsAdministratorReadsOnlyTheirOwnTenant() {
        String token = boss();
        var own = w.get("/v1/admin/audit", token);
        assertThat(own.status()).as(own.raw()).isEqualTo(200);
        // The second search finds the first one's record on top, then the same events.
        List<JsonNode> named = iterable(w.get("/v1/admin/audit?tenant=stmarys", token).json().path("events"));
        assertThat(named.getFirst().path("type").asText()).isEqualTo("audit.searched");
        assertThat(seqs(named.subList(1, named.size()))).isEqualTo(seqs(iterable(own.json().path("events"))).subList(0, named.size() - 1));

        var other = w.get("/v1/admin/audit?tenant=oakridge", token);
        assertThat(other.status()).isEqualTo(403);
        assertThat(w.get("/v1/admin/audit/export?tenant=oakridge", token).status()).isEqualTo(403);
        assertThat(w.get("/v1/admin/audit?tenant=system", token).status()).isEqualTo(403);

        String staff = w.login("stmarys", "drhouse", "Vicodin-And-Canes-1!");
        assertThat(w.get("/v1/admin/audit?tenant=stmarys", staff).status()).isEqualTo(403);
        assertThat(w.get("/v1/admin/audit?tenant=stmarys", auditKey).code()).isEqualTo("insufficient_scope");
        assertThat(w.get("/v1/admin/audit?tenant=stmarys", null).status()).isEqualTo(401);

        var system = w.get("/v1/admin/audit?tenant=oakridge&patient_id=pat-2", w.adminToken());
        assertThat(system.status()).as("system administrators read any tenant").isEqualTo(200);
        assertThat(iterable(system.json().path("events"))).hasSize(6);
        assertThat(w.get("/v1/admin/audit?tenant=nowhere", w.adminToken()).code()).isEqualTo("tenant_not_found");
    }

    @ParameterizedTest
    @CsvSource({"cursor=nonsense!,cursor", "cursor=czA,cursor", "cursor=LTU,cursor", "cursor=" + "czEyMzQ1Njc4OTAxMjM0NTY3ODkwMQ,cursor",
            "limit=0,limit", "limit=1001,limit", "limit=ten,limit", "from=yesterday,from", "to=2026-11-22,to",
            "from=2026-11-22T10:10:00Z&to=2026-11-22T10:00:00Z,to", "type=app.%25,type", "type=*,type", "type=App.patient.read,type"})
    void badInputIsAProblemNamingTheParameter(String query, String field) {
        var r = w.get("/v1/admin/audit?tenant=stmarys&" + query, boss());
        assertThat(r.status()).as(r.raw()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.code()).isEqualTo("validation_failed");
        assertThat(r.text("field")).isEqualTo(field);
    }
}
