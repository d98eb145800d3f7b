package dev.ward.audit;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.geo.Geolocation;
import dev.ward.problem.ProblemException;
import dev.ward.report.PatientAccessReport;
import dev.ward.tenant.TenantService;
import dev.ward.user.User;
import dev.ward.user.UserStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;

/**
 * Searching and exporting a tenant's trail (C7, issue 11): for the tenant's administrators and system administrators,
 * one tenant at a time (a chain is per tenant, and so are positions and cursors).
 *
 * <p>Search pages are newest first. The cursor is the position of the last event shown, opaque to callers
 * (base64url); the next page holds only older events, so events appended while someone pages never shift the pages
 * (no duplicate, no gap). A {@code type} ending in {@code .*} is a prefix ({@code patient.*}: every
 * {@code patient.…} type): it is answered as one index walk per matching type, merged, never by a scan with
 * {@code LIKE} (docs/decisions/0013-audit-search-and-export.md).
 *
 * <p>Reading the trail is itself in the trail (DICOM "Audit Log Used", 110101): each search is recorded as
 * {@code audit.searched} and each export as {@code audit.exported}, in the chain of the tenant read, with the caller and
 * the filters used — never what was found. One event per request: a search page is a request, an export of any length
 * is one. The event is durable before the answer is sent (a search) or its first byte (an export); if it cannot be
 * written the request fails closed (503) and nothing is shown.
 */
public final class AuditSearch {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
    /** Events per export page: one page is all an export holds in memory. */
    public static final int EXPORT_PAGE = 1000;

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*(\\.\\*)?");
    private static final Pattern CURSOR_TEXT = Pattern.compile("s([1-9][0-9]{0,17})");
    private static final int MAX_ID = 128;

    private final AuditReader reader;
    private final AdminGuard guard;
    private final TenantService tenants;
    private final AuditTrail audit;
    private final UserStore users;
    private final Geolocation geo;
    private final Clock clock;

    public AuditSearch(AuditReader reader, AdminGuard guard, TenantService tenants, AuditTrail audit, UserStore users,
                       Geolocation geo, Clock clock) {
        this.reader = reader;
        this.guard = guard;
        this.tenants = tenants;
        this.audit = audit;
        this.users = users;
        this.geo = geo;
        this.clock = clock;
    }

    /** What to look for; any field may be null. {@code tenant} null means the caller's own tenant. */
    public record Filter(String tenant, String userId, String patientId, String type, Instant from, Instant to) {
        public static Filter of(String tenant) { return new Filter(tenant, null, null, null, null, null); }
    }

    /** One page of events, newest first, and the cursor of the next page (null on the last). */
    public record Page(List<AuditEvent> events, String nextCursor) {}

    /**
     * The tenant the caller may read: the one asked for (if they administer it; refusals across tenants are audited)
     * or, when none is asked for, their own. An unknown tenant is a 404 (for those who may read any).
     */
    public String readable(Actor actor, String tenant) {
        String t = tenant == null || tenant.isBlank() ? actor.tenant() : tenant;
        guard.requireAdminOf(actor, t);
        if (tenants.find(t).isEmpty()) {
            throw ProblemException.notFound("tenant_not_found", "No such tenant.");
        }
        return t;
    }

    public Page search(Actor actor, Filter filter, int limit, String cursor) {
        String tenant = readable(actor, filter.tenant());
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ProblemException.validation("limit", "limit must be an integer between 1 and " + MAX_LIMIT);
        }
        requireId("user_id", filter.userId());
        requireId("patient_id", filter.patientId());
        requireWindow(filter.from(), filter.to());
        long before = cursor == null ? 0 : decodeCursor(cursor);
        String type = filter.type();
        if (type != null && (type.length() > 66 || !TYPE.matcher(type).matches())) {
            throw ProblemException.validation("type", "type must be an event type (login.succeeded) or a prefix ending in .* "
                    + "(patient.*)");
        }
        // One more than asked: whether it exists says if there is a next page.
        AuditQuery query = new AuditQuery(tenant, filter.userId(), filter.patientId(), null, filter.from(), filter.to(),
                before, limit + 1);
        List<AuditEvent> found;
        if (type == null) {
            found = reader.search(query);
        } else if (!type.endsWith(".*")) {
            found = reader.search(query.withType(type));
        } else {
            String prefix = type.substring(0, type.length() - 1);
            List<AuditEvent> merged = new ArrayList<>();
            for (String t : reader.types(tenant)) {
                if (t.startsWith(prefix)) {
                    merged.addAll(reader.search(query.withType(t)));
                }
            }
            merged.sort(Comparator.comparingLong(AuditEvent::seq).reversed());
            found = merged.size() > limit + 1 ? merged.subList(0, limit + 1) : merged;
        }
        // Recorded after the read, so that a search never finds its own record; before the answer, so that no answer
        // goes out unrecorded.
        AuditEntry.Builder used = AuditEntry.of(tenant, "audit.searched").actor(actor).detail("limit", limit);
        window(filtered(used, filter), filter.from(), filter.to());
        if (cursor != null) {
            used.detail("cursor", cursor);
        }
        audit.append(used.build());
        if (found.size() <= limit) {
            return new Page(List.copyOf(found), null);
        }
        List<AuditEvent> page = List.copyOf(found.subList(0, limit));
        return new Page(page, encodeCursor(page.get(page.size() - 1).seq()));
    }

    /** The filters a search used, as details of its {@code audit.searched} event (identifiers only, as the caller gave them). */
    private static AuditEntry.Builder filtered(AuditEntry.Builder event, Filter filter) {
        if (filter.userId() != null) {
            event.detail("user_id", filter.userId());
        }
        if (filter.patientId() != null) {
            event.detail("patient_id", filter.patientId());
        }
        if (filter.type() != null) {
            event.detail("type", filter.type());
        }
        return event;
    }

    private static AuditEntry.Builder window(AuditEntry.Builder event, Instant from, Instant to) {
        if (from != null) {
            event.detail("from", from.toString());
        }
        if (to != null) {
            event.detail("to", to.toString());
        }
        return event;
    }

    /**
     * The tenant's events from {@code from} (inclusive) to {@code to} (exclusive), in chain order, read a page at a time
     * as the iterator is walked: the caller writes each event out and keeps none. Authorization and input are checked
     * here, before the first event is read, and the export is recorded as {@code audit.exported} ({@code format} as the
     * caller names it: ndjson, csv, fhir) before the first event is read too: its record is durable before the first
     * byte, and an export whose window reaches the present carries its own record as its last event.
     */
    public Iterator<AuditEvent> export(Actor actor, String tenant, Instant from, Instant to, String format) {
        String t = readable(actor, tenant);
        requireWindow(from, to);
        audit.append(window(AuditEntry.of(t, "audit.exported").actor(actor).detail("format", format), from, to).build());
        return new Pages((after, limit) -> reader.page(t, from, to, after, limit));
    }

    /** The longest period a report covers. */
    public static final java.time.Duration MAX_REPORT_PERIOD = java.time.Duration.ofDays(366);

    /**
     * The usage report of {@code [from, to)} (C9): read from the trail like an export, so recorded as one
     * ({@code audit.exported}, format {@code usage_report}, its window reaching back one absolute session lifetime for
     * the sessions already alive when the period begins).
     */
    public dev.ward.report.UsageReport.Report usage(Actor actor, String tenant, Instant from, Instant to) {
        String t = readable(actor, tenant);
        requirePeriod(from, to);
        java.time.Duration lookback = tenants.policyOf(t).absoluteTimeout();
        return dev.ward.report.UsageReport.build(t, from, to, clock.instant(), lookback, export(actor, t, from.minus(lookback), to, "usage_report"));
    }

    /**
     * Refuses a report period that is not {@code from} before {@code to}, at most {@link #MAX_REPORT_PERIOD} long, within
     * the years 1-9999 (a time a timestamp can hold, and from which a lookback can be taken).
     */
    public static void requirePeriod(Instant from, Instant to) {
        requireWindow(from, to);
        if (from == null || to == null || !from.isBefore(to)) {
            throw ProblemException.validation("to", "to must be after from");
        }
        if (java.time.Duration.between(from, to).compareTo(MAX_REPORT_PERIOD) > 0) {
            throw ProblemException.validation("from", "a report covers at most 366 days");
        }
    }

    /**
     * The tenant's policy changes ({@code admin.tenant_policy_updated}) at or after {@code since}, oldest first, at most
     * {@code limit}: how a compliance report tells the policy in force at the end of its period from today's. Part of
     * that report's reading of the trail, which its {@code audit.exported} event records.
     */
    public List<AuditEvent> policyChangesSince(Actor actor, String tenant, Instant since, int limit) {
        String t = readable(actor, tenant);
        List<AuditEvent> newestFirst = reader.search(new AuditQuery(t, null, null, "admin.tenant_policy_updated", since, null,
                0, limit));
        return newestFirst.reversed();
    }

    /**
     * The patient-access report of a patient (C7, C9; docs/decisions/0037): every event of the tenant's trail naming the
     * patient in {@code [from, to)} (either null: open), oldest first, read a page at a time along the trail's
     * patient index as the rows are walked. Read like an export, so recorded as one before the first row is read
     * ({@code audit.exported}, format {@code patient_access_report}, with the patient as the event's patient, so that
     * a later report lists this reading); the rows stop before that record, so a report never lists itself. A patient
     * the trail never names has an empty report, not a 404: Ward keeps no list of patients, and "nobody" is an answer.
     */
    public PatientAccessReport.Report patientAccess(Actor actor, String tenant, String patientId, Instant from, Instant to) {
        String t = readable(actor, tenant);
        if (patientId == null) {
            throw ProblemException.validation("patient_id", "patient_id is required");
        }
        if (!AppEvents.PATIENT_ID.matcher(patientId).matches()) {
            // No event can name another id: an accounting of it is empty, yet its reading would carry into the trail an
            // id no patient has (markup, a right-to-left override, a trailing space beside a real id; attack13).
            throw ProblemException.validation("patient_id", "patient_id must be 1-128 characters of letters, digits and ._:/-");
        }
        requireWindow(from, to);
        long asOf = audit.record(window(AuditEntry.of(t, "audit.exported").actor(actor).patient(patientId)
                .detail("format", "patient_access_report"), from, to).build());
        Iterator<AuditEvent> events = new Pages((after, limit) -> reader.patientPage(t, patientId, from, to, after, asOf, limit));
        return new PatientAccessReport.Report(t, patientId, from, to, clock.instant(), asOf,
                PatientAccessReport.accesses(events, id -> users.find(t, id).map(User::username), geo));
    }

    /** How many events {@link #export} would write now (for a progress bar). */
    public long count(Actor actor, String tenant, Instant from, Instant to) {
        String t = readable(actor, tenant);
        requireWindow(from, to);
        return reader.count(t, from, to);
    }

    static String encodeCursor(long seq) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("s" + seq).getBytes(StandardCharsets.US_ASCII));
    }

    static long decodeCursor(String cursor) {
        String text;
        try {
            text = cursor.length() > 32 ? "" : new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            text = "";
        }
        var m = CURSOR_TEXT.matcher(text);
        if (!m.matches()) {
            throw ProblemException.validation("cursor", "cursor must be a next_cursor value from an earlier page");
        }
        return Long.parseLong(m.group(1));
    }

    private static void requireId(String field, String value) {
        if (value != null && (value.isEmpty() || value.length() > MAX_ID)) {
            throw ProblemException.validation(field, field + " must be 1-" + MAX_ID + " characters");
        }
    }

    /**
     * The times a window may name: years 1 to 9999, what ISO-8601 writes in four digits and both databases store. Beyond
     * them (Instant.parse takes years of nine digits) a timestamp overflowed into a 500 (review16).
     */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    /** Refuses a time outside the years 1-9999 (a nine-digit year parses, and overflows arithmetic and timestamps). */
    public static void requireCalendar(String field, Instant t) {
        if (t != null && (t.isBefore(EARLIEST) || t.isAfter(LATEST))) {
            throw ProblemException.validation(field, field + " must be a time between the years 1 and 9999");
        }
    }

    private static void requireWindow(Instant from, Instant to) {
        requireCalendar("from", from);
        requireCalendar("to", to);
        if (from != null && to != null && !from.isBefore(to)) {
            throw ProblemException.validation("to", "to must be after from");
        }
    }

    /** One page of events after a position, in chain order. */
    private interface PageReader {
        List<AuditEvent> page(long afterSeq, int limit);
    }

    /** Walks an export window page by page: one page in memory at any time. */
    private static final class Pages implements Iterator<AuditEvent> {
        private final PageReader reader;
        private List<AuditEvent> page = List.of();
        private int next;
        private long after;
        private boolean done;

        Pages(PageReader reader) {
            this.reader = reader;
        }

        @Override
        public boolean hasNext() {
            if (next < page.size()) {
                return true;
            }
            if (done) {
                return false;
            }
            page = reader.page(after, EXPORT_PAGE);
            next = 0;
            if (page.size() < EXPORT_PAGE) {
                done = true;
            }
            if (!page.isEmpty()) {
                after = page.get(page.size() - 1).seq();
            }
            return !page.isEmpty();
        }

        @Override
        public AuditEvent next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return page.get(next++);
        }
    }
}
