package dev.ward.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.patient.PatientContext;
import dev.ward.session.Client;
import dev.ward.session.Session;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The validation answer streamed by {@link SessionJson} against the answer as the map-built code wrote it before
 * (issue 13): the same JSON, field for field, in the same order, for sessions with and without patients, a rotated
 * token, odd characters and times.
 */
class SessionJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-12-07T01:20:00.123456789Z");

    /** The answer as SessionRoutes built it before it was streamed: maps of Views, serialised by Jackson. */
    /** The permissions a session of these roles carries: a module with a wildcard, one with actions, per role. */
    private static Map<String, List<String>> permissions(Session s) {
        return s.roles().isEmpty() ? Map.of() : dev.ward.tenant.Permissions.parse(Map.of(
                "provider", Map.of("patients", List.of("read", "write"), "pharmacy", List.of("read")),
                "pharmacy", Map.of("pharmacy", List.of("*")),
                "staff", Map.of("schedule", List.of("read")))).of(s.roles());
    }

    private static byte[] mapBuilt(Session s, List<PatientContext> open, Optional<String> rotated) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("valid", true);
        Map<String, Object> view = new LinkedHashMap<>(Views.session(s, permissions(s)));
        view.put("patients", open.stream().map(Views::patientRef).toList());
        out.put("session", view);
        rotated.ifPresent(t -> out.put("rotated_token", t));
        return JSON.writeValueAsBytes(out);
    }

    private static byte[] streamed(Session s, List<PatientContext> open, Optional<String> rotated) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(bytes)) {
            SessionJson.writeValid(g, s, open, permissions(s), rotated);
        }
        assertThat(bytes.size()).as("within the size bound the response buffer is made for")
                .isLessThanOrEqualTo(SessionJson.sizeBound(s, open, permissions(s)));
        return bytes.toByteArray();
    }

    private static Session session(String username, List<String> roles, Client client, Instant created, long uses) {
        return new Session("ses_0a1b_" + "x".repeat(20), "stmarys", "usr_42", username, roles, 2, created, T,
                T.plusSeconds(900), created.plusSeconds(8 * 3600), uses, client, null, null, created, 3, false);
    }

    private static PatientContext patient(String id, Instant opened, long idleSeconds, long absoluteSeconds) {
        return new PatientContext("ses_x", id, opened, opened.plusSeconds(5), opened.plusSeconds(idleSeconds),
                opened.plusSeconds(absoluteSeconds), 7, false);
    }

    private static void assertSame(Session s, List<PatientContext> open, Optional<String> rotated) throws IOException {
        byte[] before = mapBuilt(s, open, rotated);
        byte[] after = streamed(s, open, rotated);
        JsonNode expected = JSON.readTree(before);
        JsonNode actual = JSON.readTree(after);
        assertThat(actual).as(new String(after, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(names(actual)).isEqualTo(names(expected));
        assertThat(names(actual.get("session"))).isEqualTo(names(expected.get("session")))
                .containsExactly("id", "tenant", "user", "aal", "created_at", "last_seen_at", "idle_expires_at",
                        "absolute_expires_at", "uses", "client", "patients", "permissions");
        assertThat(names(actual.get("session").get("user"))).isEqualTo(names(expected.get("session").get("user")));
        // Map.of's order is not fixed from one JVM to the next, so the map-built client had none; the streamed one
        // follows API.md.
        assertThat(names(actual.get("session").get("client"))).containsExactly("ip", "user_agent");
        for (int i = 0; i < open.size(); i++) {
            assertThat(names(actual.get("session").get("patients").get(i)))
                    .isEqualTo(names(expected.get("session").get("patients").get(i)));
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aSessionWithPatientsAndARotatedTokenIsWrittenAsBefore() throws IOException {
        Session s = session("dr. \"Zoë\" O'Brien \\ 山田", List.of("provider", "pharmacy"),
                new Client("2001:db8::7", "Mozilla/5.0 \"quoted\" \\ back \u00e9 \uD83D\uDE00 </script>"),
                Instant.parse("2026-12-07T00:00:00Z"), Long.MAX_VALUE);
        List<PatientContext> open = List.of(
                patient("mrn:12345", Instant.parse("2026-12-07T01:00:00.5Z"), 600, 3600),
                patient("nhs.943-476-5919", Instant.parse("2026-12-07T01:10:00.001Z"), 7200, 60));
        assertSame(s, open, Optional.of("wst_AAAB_" + "r".repeat(43)));
    }

    @Test
    void aPlainSessionWithoutPatientsOrRotationIsWrittenAsBefore() throws IOException {
        assertSame(session("alice", List.of(), Client.UNKNOWN, T, 0), List.of(), Optional.empty());
        assertSame(session(null, List.of("staff"), new Client("203.0.113.7", ""), T.plusNanos(999_999), 1),
                List.of(), Optional.empty());
    }

    @Test
    void theMostPatientsASessionMayHoldStayWithinTheBound() throws IOException {
        List<PatientContext> open = new ArrayList<>();
        for (int i = 0; i < dev.ward.patient.PatientContexts.MAX_CONTEXTS; i++) {
            open.add(patient(i + "-" + "p".repeat(125), T.plusMillis(i), 600 + i, 3600));
        }
        assertSame(session("bob", List.of("provider"), new Client("198.51.100.1", "\"".repeat(512)), T, 12), open,
                Optional.of("wst_AAAB_" + "r".repeat(43)));
    }

    @Test
    void timesAreWrittenAsInstantToStringTruncatedToMilliseconds() {
        SplittableRandom random = new SplittableRandom(13);
        List<Instant> times = new ArrayList<>(List.of(Instant.EPOCH, Instant.EPOCH.minusNanos(1), T,
                Instant.parse("0001-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("2000-02-29T12:00:00.010Z"), Instant.parse("1900-03-01T00:00:00.100Z"),
                Instant.MIN, Instant.MAX, Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("0000-12-31T23:59:59Z")));
        for (int i = 0; i < 100_000; i++) {
            times.add(Instant.ofEpochSecond(random.nextLong(-62_135_596_800L - 86_400, 253_402_300_800L + 86_400),
                    random.nextInt(1_000_000_000)));
        }
        char[] out = new char[IsoMillis.MAX_LENGTH];
        for (Instant t : times) {
            int length = IsoMillis.format(t, out);
            String expected = Views.time(t);
            if (length < 0) {
                assertThat(expected).as("left to the JDK: a year outside 1-9999").matches("^([+-]|0000-).*");
            } else {
                assertThat(new String(out, 0, length)).isEqualTo(expected);
            }
        }
    }
}
