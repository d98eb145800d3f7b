package dev.ward.report;

import dev.ward.audit.AuditEvent;
import dev.ward.audit.CanonicalJson;
import dev.ward.geo.Geolocation;
import dev.ward.geo.Location;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The patient-access report (C7 "who accessed patient X"; HIPAA §164.528 accounting of disclosures, GDPR Art. 15):
 * every event of a tenant's trail that names the patient, oldest first — each open, read, write, close and clear of a
 * patient context, each break of the glass (its start with the reason, its end, its review), each refusal, the
 * patient's restriction changes, the app events recorded with the patient's id ({@code app.patient.*}), and each
 * earlier reading of this report. Per event: when, who (user id, the user's name when the user still exists, and the
 * actor when someone else acted), from where (the address, and a location: the one recorded in the event, else where
 * the operator's GeoIP database places the address now), the session, the purpose (a break of the glass's reason and
 * HL7 ActReason code; an app event's {@code purpose} or {@code reason}), and the outcome.
 *
 * <p>What it cannot list: access that never reached Ward's trail (an app that reads its own database without recording
 * it), and a "clear all" of a session, which is recorded once for the session without the patients it cleared.
 *
 * <p>Streamed: the rows are made as the trail is read, a page at a time (docs/decisions/0037).
 */
public final class PatientAccessReport {
    /** One event about the patient, as the report shows it. {@code location} is null where unknown. */
    public record Access(long seq, Instant at, String action, String type, String outcome, String userId, String username,
                         String actor, String sessionId, String ip, Location location, String locationSource,
                         String purpose, String reasonCode, Map<String, Object> details) {}

    /**
     * The report of one patient: {@code from}/{@code to} null where the period is open (the whole retained trail);
     * {@code asOfSeq} is the position of the report's own record in the chain, before which every row lies.
     */
    public record Report(String tenant, String patientId, Instant from, Instant to, Instant generatedAt, long asOfSeq,
                         Iterator<Access> accesses) {}

    /** Where a location came from: the event itself, or the GeoIP database at the time of the report. */
    public static final String RECORDED = "recorded";
    public static final String LOOKED_UP = "looked_up";

    /** The CSV columns, in order. */
    public static final List<String> COLUMNS = List.of("seq", "at", "action", "type", "outcome", "user_id", "username",
            "actor", "session_id", "ip", "location", "location_source", "purpose", "reason_code", "details");

    /** Names and addresses remembered while a report is made: a patient's accessors are few, this only bounds a freak. */
    private static final int MEMO = 10_000;

    private PatientAccessReport() {}

    /**
     * The rows of {@code events} (the patient's, oldest first); {@code names} gives a user's name by id (empty when the
     * user is gone), asked once per user.
     */
    public static Iterator<Access> accesses(Iterator<AuditEvent> events, Function<String, Optional<String>> names, Geolocation geo) {
        Map<String, Optional<String>> known = new HashMap<>();
        Map<String, Optional<Location>> located = new HashMap<>();
        Map<String, String[]> reasons = new HashMap<>();
        return new Iterator<>() {
            @Override
            public boolean hasNext() { return events.hasNext(); }

            @Override
            public Access next() {
                AuditEvent e = events.next();
                Map<String, Object> d = e.details();
                String username = e.userId() == null ? null
                        : memo(known, e.userId(), names).orElse(null);
                Location location = recorded(d.get("location"));
                String source = location == null ? null : RECORDED;
                if (location == null && e.ip() != null) {
                    location = memo(located, e.ip(), geo::locate).orElse(null);
                    source = location == null ? null : LOOKED_UP;
                }
                String purpose = null;
                String code = null;
                if (e.type().startsWith("patient.break_glass")) {
                    // The end and the review of a break of the glass name it; its reason is on its start.
                    String breakId = text(d.get("break_glass_id"));
                    purpose = text(d.get("reason"));
                    code = text(d.get("reason_code"));
                    if (e.type().equals("patient.break_glass")) {
                        if (breakId != null && reasons.size() < MEMO) {
                            reasons.put(breakId, new String[] {purpose, code});
                        }
                    } else if (breakId != null && reasons.containsKey(breakId)) {
                        purpose = reasons.get(breakId)[0];
                        code = code == null ? reasons.get(breakId)[1] : code;
                    }
                } else if (e.type().startsWith("app.")) {
                    purpose = Optional.ofNullable(text(d.get("purpose"))).orElse(text(d.get("reason")));
                    code = text(d.get("reason_code"));
                }
                return new Access(e.seq(), e.at(), action(e), e.type(), e.outcome(), e.userId(), username,
                        e.actor(), e.sessionId(), e.ip(), location, source, purpose, code, d);
            }
        };
    }

    private static <T> Optional<T> memo(Map<String, Optional<T>> memo, String key, Function<String, Optional<T>> look) {
        Optional<T> v = memo.get(key);
        if (v == null) {
            v = look.apply(key);
            if (memo.size() < MEMO) {
                memo.put(key, v);
            }
        }
        return v;
    }

    /** What the event did to or about the patient, in a word. */
    public static String action(AuditEvent e) {
        return switch (e.type()) {
            case "patient.opened" -> "open";
            case "patient.data_read" -> "read";
            case "patient.data_written" -> "write";
            case "patient.closed" -> "close";
            case "patient.cleared" -> "clear";
            case "patient.break_glass" -> "break_glass";
            case "patient.break_glass_ended" -> "break_glass_end";
            case "patient.break_glass_reviewed" -> "break_glass_review";
            case "patient.access_denied" -> "access_denied";
            case "patient.restricted" -> "restrict";
            case "patient.unrestricted" -> "unrestrict";
            case "audit.exported" -> "accounting_read";
            default -> e.type().startsWith("app.") ? switch (String.valueOf(e.details().get("action"))) {
                case "C" -> "create";
                case "R" -> "read";
                case "U" -> "update";
                case "D" -> "delete";
                default -> "app_event";
            } : "other";
        };
    }

    private static Location recorded(Object location) {
        if (location instanceof Map<?, ?> m && m.get("country") instanceof String country) {
            return new Location(country, text(m.get("city")), null, null);
        }
        return null;
    }

    private static String text(Object v) {
        return v instanceof String s && !s.isEmpty() ? s : null;
    }

    /** A location as one cell: {@code GB, London}. */
    public static String place(Location l) {
        return l == null ? null : l.city() == null ? l.country() : l.country() + ", " + l.city();
    }

    /** Counts made while the rows are written: per action, distinct users, sessions, breaks of the glass. */
    public static final class Summary {
        private long events;
        private final Map<String, Long> byAction = new TreeMap<>();
        private final Set<String> users = new HashSet<>();
        private final Set<String> sessions = new HashSet<>();

        public Access add(Access a) {
            events++;
            byAction.merge(a.action(), 1L, Long::sum);
            if (a.userId() != null && users.size() < MEMO) {
                users.add(a.userId());
            }
            if (a.sessionId() != null && sessions.size() < MEMO) {
                sessions.add(a.sessionId());
            }
            return a;
        }

        public long events() { return events; }

        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("events", events);
            m.put("by_action", new LinkedHashMap<>(byAction));
            m.put("distinct_users", users.size());
            m.put("distinct_sessions", sessions.size());
            return m;
        }
    }

    /** The JSON form of the report's header (without the rows, which a caller streams after it). */
    public static Map<String, Object> head(Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tenant", r.tenant());
        m.put("patient_id", r.patientId());
        m.put("from", r.from() == null ? null : r.from().toString());
        m.put("to", r.to() == null ? null : r.to().toString());
        m.put("generated_at", r.generatedAt().toString());
        m.put("as_of_seq", r.asOfSeq());
        return m;
    }

    /** The JSON form of one row. */
    public static Map<String, Object> json(Access a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", a.seq());
        m.put("at", a.at().toString());
        m.put("action", a.action());
        m.put("type", a.type());
        m.put("outcome", a.outcome());
        m.put("user_id", a.userId());
        m.put("username", a.username());
        m.put("actor", a.actor());
        m.put("session_id", a.sessionId());
        m.put("ip", a.ip());
        m.put("location", a.location() == null ? null : a.location().view());
        m.put("location_source", a.locationSource());
        m.put("purpose", a.purpose());
        m.put("reason_code", a.reasonCode());
        m.put("details", a.details());
        return m;
    }

    /** RFC 4180 CSV, a header and a row per event ({@link ReportCsv}); answers the summary. */
    public static Summary csv(Report r, Appendable out) {
        ReportCsv.record(out, COLUMNS);
        Summary summary = new Summary();
        while (r.accesses().hasNext()) {
            Access a = summary.add(r.accesses().next());
            ReportCsv.record(out, List.of(ReportCsv.plain(a.seq()), ReportCsv.plain(a.at()), ReportCsv.text(a.action()),
                    ReportCsv.text(a.type()), ReportCsv.text(a.outcome()), ReportCsv.text(a.userId()),
                    ReportCsv.text(a.username()), ReportCsv.text(a.actor()), ReportCsv.text(a.sessionId()),
                    ReportCsv.text(a.ip()), ReportCsv.text(place(a.location())), ReportCsv.text(a.locationSource()),
                    ReportCsv.text(a.purpose()), ReportCsv.text(a.reasonCode()),
                    ReportCsv.text(a.details().isEmpty() ? null : CanonicalJson.write(a.details()))));
        }
        return summary;
    }

    /** The printable page ({@link ReportHtml}): the header, the events in a table, then the summary; answers the summary. */
    public static Summary html(Report r, Appendable out) {
        List<ReportHtml.Term> header = new ArrayList<>();
        header.add(ReportHtml.term("Tenant", r.tenant()));
        header.add(ReportHtml.term("Patient", r.patientId()));
        header.add(ReportHtml.term("From", r.from() == null ? "the oldest retained event" : r.from()));
        header.add(ReportHtml.term("To", r.to() == null ? "this report (trail position " + r.asOfSeq() + ")" : r.to()));
        header.add(ReportHtml.term("Generated", r.generatedAt()));
        ReportHtml html = ReportHtml.begin(out, "Patient access report (accounting of disclosures)", header);
        html.section("Scope", false).paragraph("Every event of the tenant's audit trail that names this patient, oldest "
                + "first: opening, reading, writing, closing and clearing the patient's data in Ward, breaks of the glass "
                + "(start with its reason, end, review), refusals, restriction changes, events apps recorded with the "
                + "patient's id, and earlier readings of this report. Access that an app did not record in Ward's trail "
                + "cannot be listed. A location is the one recorded in the event, else where the GeoIP database places "
                + "the address today (marked \"looked up\").");
        html.section("Events", false);
        ReportHtml.Table table = html.table("Access to patient " + r.patientId(), "When", "Action", "Outcome", "User",
                "Actor", "From", "Session", "Purpose", "Details", "Seq");
        Summary summary = new Summary();
        while (r.accesses().hasNext()) {
            Access a = summary.add(r.accesses().next());
            String user = a.userId() == null ? null : a.username() == null ? a.userId() : a.username() + "\n" + a.userId();
            String actor = a.actor() == null || a.actor().equals("user:" + a.userId()) ? null : a.actor();
            String from = a.ip() == null ? null : a.location() == null ? a.ip()
                    : a.ip() + "\n" + place(a.location()) + (LOOKED_UP.equals(a.locationSource()) ? " (looked up)" : "");
            String purpose = a.purpose() == null ? a.reasonCode()
                    : a.reasonCode() == null ? a.purpose() : a.purpose() + "\n[" + a.reasonCode() + "]";
            table.row(a.at(), a.action() + "\n" + a.type(), a.outcome(), user, actor, from, a.sessionId(), purpose,
                    details(a), a.seq());
        }
        table.end("No event names this patient in this period.");
        List<ReportHtml.Term> counts = new ArrayList<>();
        counts.add(ReportHtml.term("Events", summary.events()));
        summary.byAction.forEach((action, n) -> counts.add(ReportHtml.term(action, n)));
        counts.add(ReportHtml.term("Distinct users", summary.users.size()));
        counts.add(ReportHtml.term("Distinct sessions", summary.sessions.size()));
        html.section("Summary", false).definitions(counts);
        html.end();
        return summary;
    }

    /** Details as {@code key: value} lines, less the location and the purpose shown in their own columns. */
    @SuppressWarnings("unchecked")
    private static String details(Access a) {
        StringBuilder b = new StringBuilder();
        a.details().forEach((k, v) -> {
            boolean shown = k.equals("location") || ((k.equals("reason") || k.equals("purpose")) && v.equals(a.purpose()))
                    || (k.equals("reason_code") && v.equals(a.reasonCode()));
            if (!shown) {
                b.append(b.isEmpty() ? "" : "\n").append(k).append(": ")
                        .append(v instanceof Map<?, ?> m ? CanonicalJson.write((Map<String, ?>) m) : String.valueOf(v));
            }
        });
        return b.isEmpty() ? null : b.toString();
    }
}
