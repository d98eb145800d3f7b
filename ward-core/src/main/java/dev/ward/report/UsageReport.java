package dev.ward.report;

import dev.ward.audit.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The usage report of C9 (issue 16 item 2), per UTC day of a period, from the audit trail alone: logins by outcome,
 * sessions opened, distinct users who opened one, the median and 95th percentile of the durations of the sessions
 * opened that day that had ended by the period's end, and the peak number of sessions alive at once. Built in one
 * pass over the events (oldest first) from {@code lookback} (the tenant's absolute session lifetime) before the period,
 * so that sessions opened before it count toward its concurrency; memory holds the live sessions and one day's users.
 */
public final class UsageReport {
    /** One UTC day; durations in seconds, null when no session opened that day had ended. */
    public record Day(LocalDate date, long loginsSucceeded, long loginsFailed, long loginsMfaRequired, long sessions,
                      long distinctUsers, long sessionsEnded, Long medianDurationSeconds, Long p95DurationSeconds,
                      long peakConcurrency) {}

    public record Report(String tenant, Instant from, Instant to, Instant generatedAt, List<Day> days) {}

    private static final class Acc {
        long succeeded;
        long failed;
        long mfaRequired;
        long sessions;
        final Set<String> users = new HashSet<>();
        final List<Long> durations = new ArrayList<>();
        long peak;
    }

    private UsageReport() {}

    /** The report of {@code [from, to)}; {@code events} are the tenant's from {@code from - lookback}, oldest first. */
    public static Report build(String tenant, Instant from, Instant to, Instant generatedAt, Duration lookback,
                               Iterator<AuditEvent> events) {
        TreeMap<LocalDate, Acc> days = new TreeMap<>();
        LocalDate first = day(from);
        LocalDate last = day(to.minusMillis(1));
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            days.put(d, new Acc());
        }
        Map<String, Instant> alive = new HashMap<>();
        LocalDate seenThrough = first.minusDays(1);
        while (events.hasNext()) {
            AuditEvent e = events.next();
            boolean inPeriod = !e.at().isBefore(from) && e.at().isBefore(to);
            if (inPeriod) {
                LocalDate d = day(e.at());
                // Days with no event at all had the sessions alive when they began alive all day.
                for (LocalDate between = seenThrough.plusDays(1); !between.isAfter(d); between = between.plusDays(1)) {
                    Acc acc = days.get(between);
                    if (acc != null) {
                        acc.peak = Math.max(acc.peak, alive.size());
                    }
                }
                seenThrough = d;
            }
            Acc acc = inPeriod ? days.get(day(e.at())) : null;
            switch (e.type()) {
                case "login.succeeded" -> { if (acc != null) acc.succeeded++; }
                case "login.failed" -> { if (acc != null) acc.failed++; }
                case "login.mfa_required" -> { if (acc != null) acc.mfaRequired++; }
                case "session.created" -> {
                    if (e.sessionId() != null) {
                        alive.put(e.sessionId(), e.at());
                    }
                    if (acc != null) {
                        acc.sessions++;
                        if (e.userId() != null) {
                            acc.users.add(e.userId());
                        }
                        acc.peak = Math.max(acc.peak, alive.size());
                    }
                }
                case "session.revoked", "session.expired" -> {
                    Instant created = e.sessionId() == null ? null : alive.remove(e.sessionId());
                    if (created != null && !created.isBefore(from) && e.at().isBefore(to)) {
                        Acc opened = days.get(day(created));
                        if (opened != null) {
                            opened.durations.add(Duration.between(created, e.at()).toSeconds());
                        }
                    }
                }
                default -> { }
            }
        }
        for (LocalDate between = seenThrough.plusDays(1); !between.isAfter(last); between = between.plusDays(1)) {
            days.get(between).peak = Math.max(days.get(between).peak, alive.size());
        }
        List<Day> out = new ArrayList<>();
        days.forEach((d, a) -> {
            List<Long> sorted = new ArrayList<>(a.durations);
            sorted.sort(null);
            out.add(new Day(d, a.succeeded, a.failed, a.mfaRequired, a.sessions, a.users.size(), sorted.size(),
                    rank(sorted, 50), rank(sorted, 95), a.peak));
        });
        return new Report(tenant, from, to, generatedAt, out);
    }

    /** The nearest-rank percentile, or null of nothing. */
    static Long rank(List<Long> sorted, int percent) {
        if (sorted.isEmpty()) {
            return null;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static LocalDate day(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate();
    }

    /** RFC 4180 CSV: a header and a row per day (empty where a duration is unknown). */
    public static String csv(Report r) {
        StringBuilder b = new StringBuilder("date,logins_succeeded,logins_failed,logins_mfa_required,sessions,distinct_users,"
                + "sessions_ended,median_duration_seconds,p95_duration_seconds,peak_concurrency\r\n");
        for (Day d : r.days()) {
            b.append(d.date()).append(',').append(d.loginsSucceeded()).append(',').append(d.loginsFailed()).append(',')
                    .append(d.loginsMfaRequired()).append(',').append(d.sessions()).append(',').append(d.distinctUsers())
                    .append(',').append(d.sessionsEnded()).append(',')
                    .append(d.medianDurationSeconds() == null ? "" : d.medianDurationSeconds()).append(',')
                    .append(d.p95DurationSeconds() == null ? "" : d.p95DurationSeconds()).append(',')
                    .append(d.peakConcurrency()).append("\r\n");
        }
        return b.toString();
    }

    /** The JSON form (maps and lists, for any JSON writer). */
    public static Map<String, Object> json(Report r) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("tenant", r.tenant());
        out.put("from", r.from().toString());
        out.put("to", r.to().toString());
        out.put("generated_at", r.generatedAt().toString());
        List<Map<String, Object>> days = new ArrayList<>();
        for (Day d : r.days()) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("date", d.date().toString());
            m.put("logins", Map.of("succeeded", d.loginsSucceeded(), "failed", d.loginsFailed(), "mfa_required", d.loginsMfaRequired()));
            m.put("sessions", d.sessions());
            m.put("distinct_users", d.distinctUsers());
            Map<String, Object> duration = new java.util.LinkedHashMap<>();
            duration.put("sessions_ended", d.sessionsEnded());
            duration.put("median", d.medianDurationSeconds());
            duration.put("p95", d.p95DurationSeconds());
            m.put("duration_seconds", duration);
            m.put("peak_concurrency", d.peakConcurrency());
            days.add(m);
        }
        out.put("days", days);
        return out;
    }

    /** The printable page ({@link ReportHtml}): the header, a row per day, and the period's totals. */
    public static void html(Report r, Appendable out) {
        ReportHtml html = ReportHtml.begin(out, "Usage report", ReportHtml.term("Tenant", r.tenant()),
                ReportHtml.term("From", r.from()), ReportHtml.term("To (exclusive)", r.to()),
                ReportHtml.term("Generated", r.generatedAt()));
        html.section("Per UTC day", false);
        ReportHtml.Table table = html.table("Logins, sessions and their durations per UTC day", "Date", "Logins succeeded",
                "Logins failed", "Logins waiting for MFA", "Sessions opened", "Distinct users", "Sessions ended",
                "Median duration (s)", "95th percentile duration (s)", "Peak concurrent sessions");
        long succeeded = 0;
        long failed = 0;
        long sessions = 0;
        long peak = 0;
        for (Day d : r.days()) {
            table.row(d.date(), d.loginsSucceeded(), d.loginsFailed(), d.loginsMfaRequired(), d.sessions(), d.distinctUsers(),
                    d.sessionsEnded(), d.medianDurationSeconds(), d.p95DurationSeconds(), d.peakConcurrency());
            succeeded += d.loginsSucceeded();
            failed += d.loginsFailed();
            sessions += d.sessions();
            peak = Math.max(peak, d.peakConcurrency());
        }
        table.end("No day in this period.");
        html.section("The period", false).definitions(ReportHtml.term("Logins succeeded", succeeded),
                ReportHtml.term("Logins failed", failed), ReportHtml.term("Sessions opened", sessions),
                ReportHtml.term("Peak concurrent sessions", peak));
        html.paragraph("A duration counts the sessions opened that day that had ended (logout, revocation or expiry) by "
                + "the end of the period; an empty cell means none had. Concurrency counts sessions opened before the "
                + "period that were still alive in it.");
        html.end();
    }
}
