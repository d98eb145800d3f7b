package dev.ward.patient;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.TenantCipher;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import dev.ward.session.SessionChanges;
import dev.ward.session.SessionData;
import dev.ward.session.SessionIntents;
import dev.ward.session.SessionService;
import dev.ward.session.SessionStore;
import dev.ward.tenant.Policy;
import dev.ward.tenant.TenantService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Patient contexts (C6): a clinician's session opens one per patient viewed; each has its own idle timeout and hard
 * limit, an access count and a data cache sealed under the tenant's key, bound (associated data) to tenant, session,
 * patient and key, so a value moved to another context, session or key does not open. Every step is audited with the
 * patient id. Expiry is decided at every call against the clock (the store removes a context it finds expired), so a
 * context is dead on every node the moment its time is up; the sweep only frees space and records what nobody touched.
 *
 * <p>Changes go through {@link SessionChanges} like the sessions' own (docs/decisions/0011): one transaction with their
 * events in the database, an intent around them in Redis. Reads are recorded before the value is handed out; a read
 * whose event cannot be written answers 503 and returns nothing (docs/decisions/0016-patient-contexts.md).
 */
public final class PatientContexts implements SessionData {
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    public static final int MAX_CONTEXTS = 32;
    public static final int MAX_KEYS = 64;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final String FIELD = "patient-data";
    static final String OPEN = "patient_open", WRITE = "patient_write", DELETE = "patient_delete", CLOSE = "patient_close",
            CLEAR = "patient_clear";

    /** Why contexts were cleared, as {@code patient.cleared} names it; other session-ending reasons become {@code session_revoked}. */
    private static final java.util.Set<String> OWN_REASONS = java.util.Set.of("clear", "emergency_cleanup", "logout",
            "session_expired", "timeout", "cleanup", "startup", "unauthenticated");

    private final PatientStore store;
    private final TenantService tenants;
    private final TenantCipher cipher;
    private final AuditTrail audit;
    private final Clock clock;
    private final SessionChanges changes;
    private final SessionStore sessionStore;
    private final PatientAccess access;

    /** Wires itself into the session service (cleared with each session's end; repairs of its own intents). */
    /** Live contexts per tenant, for /metrics; empty where the store cannot count them cheaply (Redis). */
    public java.util.Optional<java.util.Map<String, Long>> liveCounts() {
        return store.liveCounts(clock.instant());
    }

    public PatientContexts(PatientStore store, SessionStore sessionStore, SessionService sessions, PatientAccess access,
                           TenantService tenants, TenantCipher cipher, AuditTrail audit, Clock clock) {
        this.store = store;
        this.access = access;
        this.sessionStore = sessionStore;
        this.tenants = tenants;
        this.cipher = cipher;
        this.audit = audit;
        this.clock = clock;
        this.changes = sessions.changes();
        sessions.clearsWith(this);
        access.closesWith(this::closeOutsideCareTeam);
        sessions.repairsWith(OPEN, this::repairOpen);
        sessions.repairsWith(WRITE, this::repairWrite);
        sessions.repairsWith(DELETE, i -> repairFinish(i, false));
        sessions.repairsWith(CLOSE, i -> repairFinish(i, true));
        sessions.repairsWith(CLEAR, this::repairClear);
    }

    // --- contexts ------------------------------------------------------------------------------------------

    /**
     * Opens the patient's context in the holder's session, or returns the open one (a use). Audited
     * {@code patient.opened} each time (with {@code reopened} when it was open already).
     */
    public PatientContext open(Session s, String patientId, String ip) {
        return open(s, patientId, PatientAccess.OpenRequest.ORDINARY, ip);
    }

    /**
     * As above, for a patient that may be restricted: outside its care team the glass must be broken ({@code
     * 403 break_glass_required} otherwise); a break-glass context lives {@code patient.break_glass_seconds} at most, and
     * its opening is audited {@code patient.break_glass}, raises an alert and joins the review queue, all with it.
     */
    public PatientContext open(Session s, String patientId, PatientAccess.OpenRequest request, String ip) {
        checkId("patient_id", patientId);
        PatientAccess.Decision decision = access.decide(s, patientId, request, ip);
        Policy policy = tenants.policyOf(s.tenant());
        Instant now = clock.instant();
        Instant hardEnd = now.plus(decision.breakGlass() ? policy.breakGlassLifetime() : policy.patientMaxLifetime());
        PatientStore.Result r = changes.make(OPEN, s.tenant(), s.userId(),
                Map.of("session_id", s.id(), "patient_id", patientId, "opened_at", now.toEpochMilli()),
                () -> store.open(s.id(), patientId, now, policy.patientIdleTimeout(), hardEnd, decision.breakGlass(), MAX_CONTEXTS),
                result -> {
                    if (result.state() == PatientStore.State.LIVE) {
                        if ("expired".equals(result.value())) {
                            timedOut(s, patientId, now);
                        }
                        audit.append(event(s, "patient.opened", patientId, ip).detail("reopened", !result.done())
                                .detail("break_glass", result.context().breakGlass())
                                .detail("expires_at", result.context().expiresAt().toString()).build());
                        if (result.done() && decision.breakGlass()) {
                            access.recordBreak(s, result.context(), decision, ip);
                        }
                    }
                },
                result -> {
                    if (result.done()) {
                        store.close(s.id(), patientId);
                    }
                });
        if (r.state() == PatientStore.State.MISSING) {
            throw notOpen();
        }
        if (r.state() == PatientStore.State.LIMIT) {
            throw ProblemException.conflict("too_many_patient_contexts", "A session holds at most " + MAX_CONTEXTS
                    + " open patient contexts; close one first.");
        }
        return r.context();
    }

    /** The holder's live contexts, oldest first; any found expired are removed and recorded. */
    public List<PatientContext> list(Session s) {
        PatientStore.Listing listing = store.list(s.id(), clock.instant());
        recordExpired(s, listing.expired());
        return listing.live();
    }

    /** Closes one context and drops its data ({@code patient.closed}); 404 when it is not open. */
    public void close(Session s, String patientId, String ip) {
        checkId("patient_id", patientId);
        // A break-glass context's close ends the emergency override: patient.break_glass_ended (FHIR 110138) with it.
        boolean breakGlass = store.list(s.id(), clock.instant()).live().stream()
                .anyMatch(c -> c.patientId().equals(patientId) && c.breakGlass());
        boolean closed = changes.make(CLOSE, s.tenant(), s.userId(), Map.of("session_id", s.id(), "patient_id", patientId),
                () -> store.close(s.id(), patientId),
                done -> {
                    if (done) {
                        audit.append(event(s, "patient.closed", patientId, ip).detail("break_glass", breakGlass).build());
                        access.endBreaks(s.id(), patientId, "closed", clock.instant());
                    }
                });
        if (!closed) {
            throw notOpen();
        }
    }

    /** Clears every context of the session and its data; the session lives on. Audited even when there was nothing. */
    public int clearAll(Session s, String ip) {
        return changes.make(CLEAR, s.tenant(), s.userId(), Map.of("session_id", s.id(), "reason", "clear"),
                () -> store.clearAll(s.id()),
                n -> {
                    audit.append(cleared(s, "clear", n, "user:" + s.userId()).ip(ip).build());
                    if (n > 0) {
                        access.endBreaks(s.id(), null, "cleared", clock.instant());
                    }
                });
    }

    // --- the data cache ------------------------------------------------------------------------------------

    /** Reads one value (JSON text); recorded {@code patient.data_read} with its size before it is handed out. */
    public Optional<String> read(Session s, String patientId, String key, String ip) {
        checkId("patient_id", patientId);
        checkId("key", key);
        PatientStore.Result r = store.read(s.id(), patientId, key, clock.instant());
        if (r.state() == PatientStore.State.EXPIRED) {
            recordExpired(s, List.of(patientId));
        }
        requireLive(r);
        requireAllowed(s, r.context(), ip);
        if (r.value() == null) {
            audit.atomically(() -> audit.append(event(s, "patient.data_read", patientId, ip).detail("key", key)
                    .detail("bytes", 0).detail("found", false).build()));
            return Optional.empty();
        }
        byte[] plain = cipher.open(s.tenant(), FIELD, r.value(), aad(s, patientId, key));
        audit.atomically(() -> audit.append(event(s, "patient.data_read", patientId, ip).detail("key", key)
                .detail("bytes", plain.length).build()));
        return Optional.of(new String(plain, StandardCharsets.UTF_8));
    }

    /** Stores one value (already validated, compact JSON); recorded {@code patient.data_written} with its size. */
    public void write(Session s, String patientId, String key, String json, String ip) {
        checkId("patient_id", patientId);
        checkId("key", key);
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        if (value.length > MAX_VALUE_BYTES) {
            throw new ProblemException(413, "patient_data_too_large", "Patient data too large",
                    "A patient data value is limited to " + MAX_VALUE_BYTES + " bytes of JSON.");
        }
        String sealed = cipher.seal(s.tenant(), FIELD, value, aad(s, patientId, key));
        PatientStore.Result r = changes.make(WRITE, s.tenant(), s.userId(),
                Map.of("session_id", s.id(), "patient_id", patientId, "key", key),
                () -> store.write(s.id(), patientId, key, sealed, clock.instant(), MAX_KEYS),
                result -> {
                    if (result.state() == PatientStore.State.EXPIRED) {
                        timedOut(s, patientId, clock.instant());
                    } else if (result.state() == PatientStore.State.LIVE && result.done()) {
                        audit.append(event(s, "patient.data_written", patientId, ip).detail("key", key)
                                .detail("bytes", value.length).build());
                    }
                });
        requireLive(r);
        requireAllowed(s, r.context(), ip);
        if (r.state() == PatientStore.State.LIMIT) {
            throw ProblemException.conflict("too_many_patient_data_keys", "A patient context holds at most " + MAX_KEYS
                    + " keys; delete one first.");
        }
    }

    /** Removes one value; recorded as {@code patient.data_written} with {@code deleted} true. False when there was none. */
    public boolean deleteData(Session s, String patientId, String key, String ip) {
        checkId("patient_id", patientId);
        checkId("key", key);
        PatientStore.Result r = changes.make(DELETE, s.tenant(), s.userId(),
                Map.of("session_id", s.id(), "patient_id", patientId, "key", key),
                () -> store.deleteData(s.id(), patientId, key, clock.instant()),
                result -> {
                    if (result.state() == PatientStore.State.EXPIRED) {
                        timedOut(s, patientId, clock.instant());
                    } else if (result.done()) {
                        audit.append(event(s, "patient.data_written", patientId, ip).detail("key", key)
                                .detail("bytes", 0).detail("deleted", true).build());
                    }
                });
        requireLive(r);
        requireAllowed(s, r.context(), ip);
        return r.done();
    }

    // --- restricted patients ---------------------------------------------------------------------------------

    /**
     * A patient was just restricted: every context on it held by a user outside its care team, and not opened by breaking
     * the glass, is closed with its data ({@code patient.closed}, reason {@code restricted}). A context this misses (its
     * opening raced the restriction) is refused and closed at its next use ({@link #requireAllowed}), on any node.
     *
     * @return how many contexts were closed
     */
    int closeOutsideCareTeam(Restriction r) {
        int closed = 0;
        for (String sessionId : store.sessionsHolding(r.tenant(), r.patientId())) {
            Optional<Session> held = sessionStore.findById(sessionId);
            if (held.isEmpty() || r.careTeam().contains(held.get().userId())) {
                continue;
            }
            Session s = held.get();
            PatientStore.Listing listing = store.list(s.id(), clock.instant());
            recordExpired(s, listing.expired());
            boolean ordinary = listing.live().stream().anyMatch(c -> c.patientId().equals(r.patientId()) && !c.breakGlass());
            if (ordinary && closeRestricted(s, r.patientId(), null)) {
                closed++;
            }
        }
        return closed;
    }

    /** A live ordinary context whose patient its user may no longer see: closed, and the call refused as "not open". */
    private void requireAllowed(Session s, PatientContext c, String ip) {
        if (c == null || c.breakGlass() || access.allowsOrdinary(s, c.patientId())) {
            return;
        }
        closeRestricted(s, c.patientId(), ip);
        throw notOpen();
    }

    private boolean closeRestricted(Session s, String patientId, String ip) {
        return changes.make(CLOSE, s.tenant(), s.userId(), Map.of("session_id", s.id(), "patient_id", patientId),
                () -> store.close(s.id(), patientId),
                done -> {
                    if (done) {
                        audit.append(event(s, "patient.closed", patientId, ip).actor("system").detail("reason", "restricted")
                                .detail("break_glass", false).build());
                    }
                });
    }

    // --- cleanup -------------------------------------------------------------------------------------------

    /** As {@link SessionData}: the session is ending; its contexts go with it, recorded by the caller's change. */
    @Override
    public Cleared clear(Session s, String reason, String actor) {
        int n = store.clearAll(s.id());
        if (n == 0) {
            return Cleared.NOTHING;
        }
        return new Cleared(n, List.of(cleared(s, reason, n, actor).build()));
    }

    @Override
    public boolean holdsAny(Session s) {
        return store.holdsAny(s.id());
    }

    /**
     * Removes contexts past their limits in every session (the schedule, {@code serve --cleanup-on-start},
     * {@code ./ward cleanup}), each recorded {@code patient.cleared} with {@code reason}; answers how many.
     */
    public long sweep(String reason, String actor) {
        long removed = 0;
        while (true) {
            List<PatientStore.Swept> batch = store.sweepExpired(clock.instant(), 500);
            List<AuditEntry> events = new ArrayList<>();
            for (PatientStore.Swept swept : batch) {
                sessionStore.findById(swept.sessionId()).ifPresent(s -> events.add(cleared(s, reason, 1, actor)
                        .patient(swept.patientId()).build()));
            }
            audit.atomically(() -> {
                audit.appendAll(events);
                for (PatientStore.Swept swept : batch) {
                    access.endBreaks(swept.sessionId(), swept.patientId(), "expired", clock.instant());
                }
            });
            removed += batch.size();
            if (batch.size() < 500) {
                break;
            }
        }
        access.endFinishedBreaks(clock.instant(), this::isOpen, 500);
        return removed;
    }

    /**
     * Whether the session holds that patient's context live now (for the sweep's check of breaks of the glass); one it
     * finds expired is removed and recorded as any call would.
     */
    private boolean isOpen(String sessionId, String patientId) {
        PatientStore.Listing listing = store.list(sessionId, clock.instant());
        if (!listing.expired().isEmpty()) {
            sessionStore.findById(sessionId).ifPresent(s -> recordExpired(s, listing.expired()));
        }
        return listing.live().stream().anyMatch(c -> c.patientId().equals(patientId));
    }

    /** How many contexts a sweep would remove now. */
    public long countExpired() {
        return store.countExpired(clock.instant());
    }

    /** Contexts held now (live or awaiting removal). */
    public long count() {
        return store.countAll();
    }

    // --- repairs of interrupted changes (Redis; SessionService#repairInterrupted) --------------------------

    /** An open whose answer never went out: the context is taken back if it is the one that open made. */
    private void repairOpen(SessionIntents.Intent i) {
        String sessionId = (String) i.payload().get("session_id");
        String patientId = (String) i.payload().get("patient_id");
        long openedAt = ((Number) i.payload().get("opened_at")).longValue();
        PatientStore.Listing listing = store.list(sessionId, Instant.EPOCH);
        listing.live().stream().filter(c -> c.patientId().equals(patientId) && c.openedAt().toEpochMilli() == openedAt)
                .findFirst().ifPresent(c -> store.close(sessionId, patientId));
    }

    /** A write never recorded: its value is dropped (a cache entry lost, never data held without its event). */
    private void repairWrite(SessionIntents.Intent i) {
        store.deleteData((String) i.payload().get("session_id"), (String) i.payload().get("patient_id"),
                (String) i.payload().get("key"), clock.instant());
    }

    /** A delete or close asked for: finished, and recorded if it removes something now. */
    private void repairFinish(SessionIntents.Intent i, boolean close) {
        String sessionId = (String) i.payload().get("session_id");
        String patientId = (String) i.payload().get("patient_id");
        boolean done = close ? store.close(sessionId, patientId)
                : store.deleteData(sessionId, patientId, (String) i.payload().get("key"), clock.instant()).done();
        if (done) {
            audit.append(AuditEntry.of(i.tenant(), close ? "patient.closed" : "patient.data_written").user(i.userId())
                    .session(sessionId).patient(patientId).detail("repaired", true).build());
        }
    }

    private void repairClear(SessionIntents.Intent i) {
        String sessionId = (String) i.payload().get("session_id");
        int n = store.clearAll(sessionId);
        audit.append(AuditEntry.of(i.tenant(), "patient.cleared").user(i.userId()).session(sessionId)
                .detail("reason", i.payload().get("reason")).detail("count", n).detail("repaired", true).build());
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static void requireLive(PatientStore.Result r) {
        if (r.state() == PatientStore.State.EXPIRED || r.state() == PatientStore.State.MISSING) {
            throw notOpen();
        }
    }

    /** Contexts a read found expired (and removed): recorded {@code patient.cleared}, reason {@code timeout}. */
    private void recordExpired(Session s, List<String> patientIds) {
        if (!patientIds.isEmpty()) {
            Instant now = clock.instant();
            audit.atomically(() -> patientIds.forEach(p -> timedOut(s, p, now)));
        }
    }

    /**
     * Inside a change: a context found past its limits (and removed by the call that found it, so this is recorded
     * once) is {@code patient.cleared} with reason {@code timeout}; a break of the glass on it ends with it.
     */
    private void timedOut(Session s, String patientId, Instant now) {
        audit.append(cleared(s, "timeout", 1, "system").patient(patientId).build());
        access.endBreaks(s.id(), patientId, "expired", now);
    }

    public static ProblemException notOpen() {
        return ProblemException.notFound("patient_context_not_open",
                "No open context for this patient in this session: it was never opened, was closed, cleared, or timed out.");
    }

    private static AuditEntry.Builder event(Session s, String type, String patientId, String ip) {
        return AuditEntry.of(s.tenant(), type).user(s.userId()).session(s.id()).patient(patientId).ip(ip);
    }

    private static AuditEntry.Builder cleared(Session s, String reason, int count, String actor) {
        AuditEntry.Builder b = AuditEntry.of(s.tenant(), "patient.cleared").actor(actor).user(s.userId()).session(s.id())
                .detail("count", count);
        if (OWN_REASONS.contains(reason)) {
            return b.detail("reason", reason);
        }
        return b.detail("reason", "session_revoked").detail("session_reason", reason);
    }

    private static void checkId(String field, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw ProblemException.validation(field, field + " must be 1-128 characters of A-Z, a-z, 0-9 and . _ : -");
        }
    }

    private static byte[] aad(Session s, String patientId, String key) {
        return (s.tenant() + "\u0000" + s.id() + "\u0000" + patientId + "\u0000" + key).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() { return "PatientContexts[" + store + "]"; }
}
