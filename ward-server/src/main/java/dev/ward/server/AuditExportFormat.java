package dev.ward.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.CanonicalJson;
import dev.ward.report.ReportCsv;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The forms of an audit export (GET /v1/admin/audit/export, {@code ward audit export}), each written event by event to
 * a stream so that an export of millions of events holds one page of them (docs/decisions/0013).
 *
 * <ul>
 *   <li>{@code ndjson}: one JSON object per line with every stored field, {@code prev_hash} included: the exact copy,
 *       from which the chain can be recomputed elsewhere.</li>
 *   <li>{@code csv}: RFC 4180 (header row, CRLF, fields quoted where they hold a comma, quote, CR or LF, quotes
 *       doubled), for spreadsheets. A cell that a spreadsheet would take for a formula (it starts with {@code =},
 *       {@code +}, {@code -}, {@code @}, a tab or a CR) gets a leading {@code '} (OWASP's advice against CSV
 *       injection, {@link ReportCsv}): only identifiers an app chose can start so; the NDJSON form keeps them unchanged.</li>
 *   <li>{@code fhir}: an R4 {@code Bundle} of {@code AuditEvent}s (ward-fhir); HAPI is loaded on the first such
 *       export, never at start-up.</li>
 * </ul>
 */
public enum AuditExportFormat {
    NDJSON("application/x-ndjson", "ndjson"),
    CSV("text/csv; charset=utf-8; header=present", "csv"),
    FHIR("application/fhir+json", "json");

    /** The columns of the CSV form, and the keys of each NDJSON line, in this order. */
    public static final String[] COLUMNS = {"tenant", "seq", "at", "type", "outcome", "actor", "user_id", "session_id",
            "patient_id", "ip", "details", "prev_hash", "hash"};

    private static final ObjectMapper JSON = new ObjectMapper().disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final String contentType;
    private final String extension;

    AuditExportFormat(String contentType, String extension) {
        this.contentType = contentType;
        this.extension = extension;
    }

    public String contentType() { return contentType; }

    public String wire() { return name().toLowerCase(Locale.ROOT); }

    /** A file name for the export of a tenant's trail: {@code ward-audit-stmarys.csv}, or {@code .fhir.json}. */
    public String fileName(String tenant) {
        return "ward-audit-" + tenant + (this == FHIR ? ".fhir." : ".") + extension;
    }

    public static Optional<AuditExportFormat> parse(String wire) {
        for (AuditExportFormat f : values()) {
            if (f.wire().equals(wire)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** Writes every event the iterator gives, in its order, and flushes; {@code out} stays open. */
    public void write(Iterator<AuditEvent> events, OutputStream out) {
        try {
            switch (this) {
                case NDJSON -> ndjson(events, out);
                case CSV -> csv(events, out);
                case FHIR -> Fhir.write(events, out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the audit export failed", e);
        }
    }

    /** Every stored field of an event, as NDJSON lines carry them. */
    public static Map<String, Object> fields(AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", e.tenant());
        m.put("seq", e.seq());
        m.put("at", time(e.at()));
        m.put("type", e.type());
        m.put("outcome", e.outcome());
        m.put("actor", e.actor());
        m.put("user_id", e.userId());
        m.put("session_id", e.sessionId());
        m.put("patient_id", e.patientId());
        m.put("ip", e.ip());
        m.put("details", e.details());
        m.put("prev_hash", e.prevHash());
        m.put("hash", e.hash());
        return m;
    }

    /**
     * An event as search answers it (API.md: seq, at, type, outcome, user_id, session_id, patient_id, ip, details,
     * hash), with the actor: who did it, when that is not the user (an API key, the operator, an administrator).
     */
    public static Map<String, Object> searched(AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", e.seq());
        m.put("at", time(e.at()));
        m.put("type", e.type());
        m.put("outcome", e.outcome());
        m.put("actor", e.actor());
        m.put("user_id", e.userId());
        m.put("session_id", e.sessionId());
        m.put("patient_id", e.patientId());
        m.put("ip", e.ip());
        m.put("details", e.details());
        m.put("hash", e.hash());
        return m;
    }

    /** ISO-8601 UTC to the millisecond, the precision the chain hashes. */
    public static String time(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static void ndjson(Iterator<AuditEvent> events, OutputStream out) throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        while (events.hasNext()) {
            w.write(JSON.writeValueAsString(fields(events.next())));
            w.write('\n');
        }
        w.flush();
    }

    private static void csv(Iterator<AuditEvent> events, OutputStream out) throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        w.write(String.join(",", COLUMNS));
        w.write("\r\n");
        while (events.hasNext()) {
            AuditEvent e = events.next();
            String[] cells = {e.tenant(), Long.toString(e.seq()), time(e.at()), e.type(), e.outcome(), e.actor(), e.userId(),
                    e.sessionId(), e.patientId(), e.ip(), CanonicalJson.write(e.details()), e.prevHash(), e.hash()};
            for (int i = 0; i < cells.length; i++) {
                if (i > 0) {
                    w.write(',');
                }
                w.write(ReportCsv.text(cells[i]));
            }
            w.write("\r\n");
        }
        w.flush();
    }

    /**
     * The one class that names ward-fhir's exporter. The JVM resolves it on the first FHIR export only, so HAPI's
     * classes (tens of megabytes, about a second to initialise) stay unloaded at start-up and on the session path.
     */
    private static final class Fhir {
        static void write(Iterator<AuditEvent> events, OutputStream out) {
            dev.ward.fhir.FhirAuditExport.write(events, out);
        }
    }
}
