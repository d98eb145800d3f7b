package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.audit.AppEvents;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditSearch;
import dev.ward.problem.ProblemException;
import dev.ward.report.ComplianceEvidence;
import dev.ward.report.ComplianceReport;
import dev.ward.problem.StoreDeadline;
import dev.ward.report.PatientAccessReport;
import dev.ward.report.ReportHtml;
import dev.ward.server.AuditExportFormat;
import dev.ward.server.ReportFormat;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The audit trail: apps' own events, search and export. */
final class AuditRoutes {
    private static final Logger log = LoggerFactory.getLogger(AuditRoutes.class);

    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final AppEvents appEvents;
    private final AuditSearch search;
    private final ComplianceEvidence compliance;
    private final ObjectMapper json;

    AuditRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, HttpApi.Services s, ObjectMapper json) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.appEvents = s.appEvents();
        this.search = s.auditSearch();
        this.compliance = s.compliance();
        this.json = json;
    }

    void register() {
        routes.add(HandlerType.POST, "/v1/audit/events", ctx -> {
            Actor.ApiKey app = credentials.requireApiKey(ctx);
            appEvents.requireRecorder(app);
            JsonBody body = JsonBody.read(ctx, json);
            long seq = appEvents.record(app, body.string("type"), body.optString("user_id").orElse(null),
                    body.optString("patient_id").orElse(null), body.optObject("details").orElse(Map.of()));
            responses.json(ctx, 201, Map.of("seq", seq));
        });
        routes.add(HandlerType.GET, "/v1/admin/audit", this::search);
        routes.add(HandlerType.GET, "/v1/admin/audit/export", this::export);
        routes.add(HandlerType.GET, "/v1/admin/reports/usage", this::usage);
        routes.add(HandlerType.GET, "/v1/admin/reports/patient-access", this::patientAccess);
        routes.add(HandlerType.GET, "/v1/admin/reports/compliance", this::compliance);
    }

    private void search(Context ctx) {
        Actor actor = credentials.require(ctx);
        AuditSearch.Filter filter = new AuditSearch.Filter(param(ctx, "tenant"), param(ctx, "user_id"), param(ctx, "patient_id"),
                param(ctx, "type"), time(ctx, "from"), time(ctx, "to"));
        AuditSearch.Page page = search.search(actor, filter, HttpApi.Responses.limit(ctx), param(ctx, "cursor"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", page.events().stream().map(AuditExportFormat::searched).toList());
        body.put("next_cursor", page.nextCursor());
        responses.json(ctx, 200, body);
    }

    /**
     * Streams the export: everything that can fail with a problem answer (credentials, tenant, input, and the first
     * page of the database) is done before the first byte; after it, a failure can only cut the stream short.
     */
    private void export(Context ctx) throws IOException {
        // A stream over the whole trail may rightly spend minutes reading: each page keeps its own bounded waits, but the
        // request's total database time (decision 0021) would cut a long export short.
        StoreDeadline.close();
        Actor actor = credentials.require(ctx);
        String wire = param(ctx, "format");
        AuditExportFormat format = wire == null ? AuditExportFormat.NDJSON : AuditExportFormat.parse(wire).orElseThrow(() ->
                ProblemException.validation("format", "format must be one of ndjson, csv, fhir"));
        String tenant = search.readable(actor, param(ctx, "tenant"));
        Iterator<AuditEvent> events = search.export(actor, tenant, time(ctx, "from"), time(ctx, "to"), format.wire());
        events.hasNext(); // the first page, read while a failure can still be answered with a problem
        ctx.status(200);
        ctx.res().setContentType(format.contentType());
        ctx.header("Content-Disposition", "attachment; filename=\"" + format.fileName(tenant) + "\"");
        stream(ctx, tenant, out -> format.write(events, out));
    }

    /**
     * Writes a body that may be long, read from the trail as it is written (status and headers set before). A failure
     * after the first byte can no longer be a problem answer (it would be appended to the body and end it like a whole
     * one): the connection is aborted instead, so the client sees a body cut short (no final chunk).
     */
    static void stream(Context ctx, String tenant, java.util.function.Consumer<OutputStream> body) throws IOException {
        OutputStream out = ctx.res().getOutputStream();
        try {
            body.accept(out);
        } catch (RuntimeException e) {
            log.warn("a read of the trail of tenant {} was cut short: {}", tenant, e.getClass().getName());
            ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
            if (request == null) {
                throw e;
            }
            request.getServletChannel().abort(e);
            return;
        }
        out.flush();
    }

    private static String param(Context ctx, String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /**
     * The usage report (C9): per UTC day of {@code [from, to)} (default: the 30 days up to the start of today, UTC),
     * JSON, RFC 4180 CSV or a printable HTML page. Read from the trail in one pass; recorded as an export.
     */
    private void usage(Context ctx) {
        StoreDeadline.close(); // one pass over a month of the trail may take longer than a request's database budget
        Actor actor = credentials.require(ctx);
        ReportFormat format = reportFormat(ctx);
        Period period = Period.of(ctx);
        dev.ward.report.UsageReport.Report report = search.usage(actor, param(ctx, "tenant"), period.from(), period.to());
        if (format == ReportFormat.JSON) {
            responses.json(ctx, 200, dev.ward.report.UsageReport.json(report));
            return;
        }
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        format.write(report, body, false);
        report(ctx, format, "usage", report.tenant());
        ctx.result(body.toByteArray());
    }

    /**
     * The patient-access report (HIPAA accounting of disclosures): every event of the trail naming the patient, in
     * {@code [from, to)} (default: the whole retained trail), streamed as JSON, CSV or HTML. Recorded as an export with
     * the patient as its subject; a patient the trail never names gets an empty report.
     */
    private void patientAccess(Context ctx) throws IOException {
        StoreDeadline.close(); // a patient seen for years may have many events; each page keeps its own bounded waits
        Actor actor = credentials.require(ctx);
        ReportFormat format = reportFormat(ctx);
        PatientAccessReport.Report report = search.patientAccess(actor, param(ctx, "tenant"), param(ctx, "patient_id"),
                time(ctx, "from"), time(ctx, "to"));
        report.accesses().hasNext(); // the first page, read while a failure can still be answered with a problem
        report(ctx, format, "patient-access", report.tenant());
        stream(ctx, report.tenant(), out -> format.write(report, out, false));
    }

    /** {@code format}: json (the default), csv or html. */
    static ReportFormat reportFormat(Context ctx) {
        String wire = param(ctx, "format");
        return wire == null ? ReportFormat.JSON : ReportFormat.parse(wire).orElseThrow(ReportFormat::unknown);
    }

    /**
     * The status and headers of a report answer: its type; a disposition (but for JSON, an ordinary API answer); and
     * for a page, the page's own Content-Security-Policy in place of the API's {@code default-src 'none'}.
     */
    static void report(Context ctx, ReportFormat format, String report, String tenant) {
        ctx.status(200);
        ctx.res().setContentType(format.contentType());
        if (format != ReportFormat.JSON) {
            ctx.header("Content-Disposition", format.disposition(report, tenant));
        }
        if (format == ReportFormat.HTML) {
            ctx.header("Content-Security-Policy", ReportHtml.CONTENT_SECURITY_POLICY);
        }
    }

    /**
     * The compliance report (C9): each HIPAA §164.312 control and ONC §170.315 (d)(2), (d)(3), (d)(5), (d)(10) criterion
     * for {@code [from, to)} (default as for usage), as JSON, RFC 4180 CSV or a printable HTML page. The chain is
     * verified for it and the period read as an export, both recorded.
     */
    private void compliance(Context ctx) {
        StoreDeadline.close(); // it verifies the whole chain and reads the period: longer than a request's database budget
        Actor actor = credentials.require(ctx);
        ReportFormat format = reportFormat(ctx);
        Period period = Period.of(ctx);
        ComplianceReport.Report report = compliance.report(actor, param(ctx, "tenant"), period.from(), period.to(), n -> { });
        if (format == ReportFormat.JSON) {
            responses.json(ctx, 200, ComplianceReport.json(report));
            return;
        }
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        format.write(report, body, false);
        report(ctx, format, "compliance", report.tenant());
        ctx.result(body.toByteArray());
    }

    /** A report's period from {@code from} and {@code to}: by default the 30 days up to the start of today (UTC). */
    private record Period(Instant from, Instant to) {
        static Period of(Context ctx) {
            Instant today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            Instant to = time(ctx, "to");
            Instant from = time(ctx, "from");
            to = to == null ? today : to;
            return new Period(from == null ? to.minus(java.time.Duration.ofDays(30)) : from, to);
        }
    }

    /** A query-parameter time: ISO-8601 with a zone ({@code 2026-11-22T10:00:00Z}), as every time in the API. */
    private static Instant time(Context ctx, String name) {
        String v = param(ctx, name);
        if (v == null) {
            return null;
        }
        Instant t;
        try {
            t = Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ProblemException.validation(name, name + " must be an ISO-8601 time with a zone, e.g. 2026-11-22T10:00:00Z");
        }
        AuditSearch.requireCalendar(name, t);
        return t;
    }
}
