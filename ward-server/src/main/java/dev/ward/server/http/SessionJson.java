package dev.ward.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ward.patient.PatientContext;
import dev.ward.session.Session;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The session object of API.md written field by field to a {@link JsonGenerator}: what the validation hot path answers,
 * with no map, list or string built first ({@link Views#session} and {@link Views#patientRef} build the same shape as
 * maps for the other routes; {@code SessionJsonTest} holds the two to one another). Never includes hashes or tokens.
 */
final class SessionJson {
    private SessionJson() {}

    /** The answer to a validation: {@code {"valid":true,"session":{…},"rotated_token":"wst_…"?}}. */
    static void writeValid(JsonGenerator g, Session s, List<PatientContext> patients, Map<String, List<String>> permissions,
                           Optional<String> rotatedToken) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("valid", true);
        g.writeFieldName("session");
        write(g, s, patients, permissions);
        if (rotatedToken.isPresent()) {
            g.writeStringField("rotated_token", rotatedToken.get());
        }
        g.writeEndObject();
    }

    /**
     * {@code {"id", "tenant", "user", "aal", …, "client", "patients", "permissions"}}, in the order of API.md
     * ({@code permissions}: module → actions, the union over the session's roles).
     */
    static void write(JsonGenerator g, Session s, List<PatientContext> patients, Map<String, List<String>> permissions)
            throws IOException {
        char[] scratch = new char[IsoMillis.MAX_LENGTH];
        g.writeStartObject();
        g.writeStringField("id", s.id());
        g.writeStringField("tenant", s.tenant());
        g.writeObjectFieldStart("user");
        g.writeStringField("id", s.userId());
        g.writeStringField("username", s.username());
        g.writeArrayFieldStart("roles");
        for (String role : s.roles()) {
            g.writeString(role);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeNumberField("aal", s.aal());
        time(g, scratch, "created_at", s.createdAt());
        time(g, scratch, "last_seen_at", s.lastSeenAt());
        time(g, scratch, "idle_expires_at", s.idleExpiresAt());
        time(g, scratch, "absolute_expires_at", s.absoluteExpiresAt());
        g.writeNumberField("uses", s.uses());
        g.writeObjectFieldStart("client");
        g.writeStringField("ip", s.client().ip());
        g.writeStringField("user_agent", s.client().userAgent());
        g.writeEndObject();
        g.writeArrayFieldStart("patients");
        for (PatientContext c : patients) {
            g.writeStartObject();
            g.writeStringField("patient_id", c.patientId());
            time(g, scratch, "opened_at", c.openedAt());
            time(g, scratch, "expires_at", c.expiresAt());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeObjectFieldStart("permissions");
        for (Map.Entry<String, List<String>> module : permissions.entrySet()) {
            g.writeArrayFieldStart(module.getKey());
            for (String action : module.getValue()) {
                g.writeString(action);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /**
     * At most how many bytes {@link #write} writes for this session, with room for an envelope around it (the validation
     * answer's {@code valid} and {@code rotated_token}): every character counted as a six-byte escape.
     */
    static int sizeBound(Session s, List<PatientContext> patients, Map<String, List<String>> permissions) {
        long chars = length(s.id()) + length(s.tenant()) + length(s.userId()) + length(s.username())
                + length(s.client().ip()) + length(s.client().userAgent());
        for (String role : s.roles()) {
            chars += length(role) + 3;
        }
        for (PatientContext c : patients) {
            chars += length(c.patientId());
        }
        for (Map.Entry<String, List<String>> module : permissions.entrySet()) {
            chars += length(module.getKey()) + 4;
            for (String action : module.getValue()) {
                chars += length(action) + 3;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, 6 * chars + 1024 + 128L * patients.size());
    }

    private static int length(String s) {
        return s == null ? 4 : s.length();
    }

    /** A time as {@link Views#time} writes it (ISO-8601 UTC, milliseconds), or {@code null}. */
    private static void time(JsonGenerator g, char[] scratch, String field, Instant t) throws IOException {
        g.writeFieldName(field);
        if (t == null) {
            g.writeNull();
            return;
        }
        int length = IsoMillis.format(t, scratch);
        if (length < 0) {
            g.writeString(Views.time(t));
        } else {
            g.writeString(scratch, 0, length);
        }
    }
}
