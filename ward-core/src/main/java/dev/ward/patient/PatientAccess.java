package dev.ward.patient;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.access.Scope;
import dev.ward.alert.Alerts;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import dev.ward.user.UserStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Restricted patients and break-glass (HIPAA §164.312(a)(2)(ii) emergency access; issue 12 item 6). An app marks a
 * patient restricted with its care team; anyone else opening that patient's context must break the glass: a reason of
 * at least 10 characters and optionally an HL7 v3 ActReason code. The context then lives
 * {@code patient.break_glass_seconds} at most, the break is audited {@code patient.break_glass} (severity high),
 * raises an alert {@code break_glass}, and waits in a review queue that shows what was read under it. Per patient,
 * time-boxed and reviewed: never a shared emergency account.
 */
public final class PatientAccess {
    public static final int MIN_REASON = 10;
    private static final Pattern REASON_CODE = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final int MAX_CARE_TEAM = 1000;

    private final RestrictionStore store;
    private final UserStore users;
    private final Alerts alerts;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;
    private volatile java.util.function.Consumer<Restriction> onRestricted = r -> { };

    public PatientAccess(RestrictionStore store, UserStore users, Alerts alerts, AdminGuard guard, AuditTrail audit, Clock clock) {
        this.store = store;
        this.users = users;
        this.alerts = alerts;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** What a new restriction must reach into: the open contexts of those outside its care team (PatientContexts). */
    void closesWith(java.util.function.Consumer<Restriction> closer) {
        this.onRestricted = closer;
    }

    /**
     * Whether the session's user may use an ordinary (not break-glass) context on the patient now: the patient is not
     * restricted, or the user is on its care team. Asked at every use, so a context that outlived a restriction (its
     * close raced the restriction) is refused on every node.
     */
    boolean allowsOrdinary(Session s, String patientId) {
        return store.find(s.tenant(), patientId).map(r -> r.careTeam().contains(s.userId())).orElse(true);
    }

    /** What opening a context asks for (API.md: {@code reason}, {@code break_glass}, {@code reason_code}). */
    public record OpenRequest(Optional<String> reason, boolean breakGlass, Optional<String> reasonCode) {
        public static final OpenRequest ORDINARY = new OpenRequest(Optional.empty(), false, Optional.empty());
    }

    /** How a context may open: as an ordinary one, or by breaking the glass (with what to record). */
    public record Decision(boolean breakGlass, String reason, String reasonCode) {
        static final Decision ORDINARY = new Decision(false, null, null);
    }

    // --- restrictions (API key, scope patients) -------------------------------------------------------------

    public Restriction restrict(Actor caller, String patientId, boolean restricted, List<String> careTeam) {
        String tenant = requirePatientsKey(caller);
        checkPatient(patientId);
        if (!restricted) {
            lift(caller, patientId);
            return new Restriction(tenant, patientId, List.of(), clock.instant(), caller.auditName());
        }
        if (careTeam.size() > MAX_CARE_TEAM) {
            throw ProblemException.validation("care_team", "care_team holds at most " + MAX_CARE_TEAM + " users");
        }
        List<String> team = new ArrayList<>(new java.util.LinkedHashSet<>(careTeam));
        for (String userId : team) {
            if (users.find(tenant, userId).isEmpty()) {
                throw ProblemException.validation("care_team", "care_team names a user that is not in this tenant: " + userId);
            }
        }
        Restriction r = new Restriction(tenant, patientId, team, clock.instant(), caller.auditName());
        audit.atomically(() -> {
            store.put(r);
            audit.append(AuditEntry.of(tenant, "patient.restricted").actor(caller).patient(patientId)
                    .detail("care_team_size", team.size()).build());
        });
        // After the commit: a context opened meanwhile is refused at its next use by allowsOrdinary, on every node.
        onRestricted.accept(r);
        return r;
    }

    public Optional<Restriction> restriction(Actor caller, String patientId) {
        String tenant = requirePatientsKey(caller);
        checkPatient(patientId);
        return store.find(tenant, patientId);
    }

    public boolean lift(Actor caller, String patientId) {
        String tenant = requirePatientsKey(caller);
        checkPatient(patientId);
        return audit.atomically(() -> {
            boolean lifted = store.delete(tenant, patientId);
            if (lifted) {
                audit.append(AuditEntry.of(tenant, "patient.unrestricted").actor(caller).patient(patientId).build());
            }
            return lifted;
        });
    }

    private static String requirePatientsKey(Actor caller) {
        if (!(caller instanceof Actor.ApiKey key)) {
            throw ProblemException.forbidden("Restricting patients needs an app's API key with scope patients.");
        }
        if (!key.has(Scope.PATIENTS)) {
            throw ProblemException.insufficientScope(Scope.PATIENTS.wire());
        }
        return key.tenant();
    }

    private static void checkPatient(String patientId) {
        if (patientId == null || !ID.matcher(patientId).matches()) {
            throw ProblemException.validation("patient_id", "patient_id must be 1-128 characters of A-Z, a-z, 0-9 and . _ : -");
        }
    }

    // --- opening -----------------------------------------------------------------------------------------

    /**
     * Whether the session's user may open the patient, and how: ordinary for an unrestricted patient or a member of its
     * care team; by breaking the glass when asked for with a good reason; otherwise {@code 403 break_glass_required}
     * (audited, denied).
     */
    Decision decide(Session s, String patientId, OpenRequest request, String ip) {
        Optional<Restriction> restriction = store.find(s.tenant(), patientId);
        if (restriction.isEmpty() || restriction.get().careTeam().contains(s.userId())) {
            return Decision.ORDINARY;
        }
        if (!request.breakGlass()) {
            audit.atomically(() -> audit.append(AuditEntry.of(s.tenant(), "patient.access_denied").outcome(AuditEntry.DENIED)
                    .user(s.userId()).session(s.id()).patient(patientId).ip(ip).detail("restricted", true).build()));
            throw new ProblemException(403, "break_glass_required", "Break-glass required",
                    "This patient is restricted to a care team; open it with \"break_glass\": true and a reason (at least "
                            + MIN_REASON + " characters) if this is an emergency. It will be reviewed.");
        }
        String reason = request.reason().map(String::strip).orElse("");
        if (reason.length() < MIN_REASON || reason.length() > 2000) {
            throw ProblemException.validation("reason", "Breaking the glass needs a reason of " + MIN_REASON + " to 2000 characters.");
        }
        String code = request.reasonCode().orElse(null);
        if (code != null && !REASON_CODE.matcher(code).matches()) {
            throw ProblemException.validation("reason_code", "reason_code is an HL7 v3 ActReason code such as ETREAT, BTG or ERTREAT");
        }
        return new Decision(true, reason, code);
    }

    /** Records a break of the glass; inside the opening's change, so it commits with the context's opening. */
    void recordBreak(Session s, PatientContext c, Decision d, String ip) {
        BreakGlass b = new BreakGlass(Secrets.newId("bgl_"), s.tenant(), s.userId(), s.username(), s.id(), c.patientId(),
                d.reason(), d.reasonCode(), c.openedAt(), c.absoluteExpiresAt(), BreakGlass.OPEN, null, null, null, null);
        store.insert(b);
        audit.append(AuditEntry.of(s.tenant(), "patient.break_glass").user(s.userId()).session(s.id()).patient(c.patientId())
                .ip(ip).detail("severity", "high").detail("break_glass_id", b.id()).detail("reason", d.reason())
                .detail("reason_code", d.reasonCode()).detail("expires_at", c.absoluteExpiresAt().toString()).build());
        Map<String, Object> subject = new LinkedHashMap<>();
        subject.put("user_id", s.userId());
        subject.put("username", s.username());
        subject.put("patient_id", c.patientId());
        subject.put("session_id", s.id());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("break_glass_id", b.id());
        if (d.reasonCode() != null) {
            details.put("reason_code", d.reasonCode());
        }
        alerts.raise(s.tenant(), "break_glass", "high", subject, details);
    }

    // --- the end of a break (FHIR DCM 110138 "Emergency Override Stopped") ---------------------------------

    /**
     * Records the end of the session's open breaks of the glass on that patient (on all its patients when null), inside
     * the caller's change so the end is recorded with what ended it ({@code closed}, {@code cleared}, {@code expired},
     * {@code restricted}). Each break ends once in the trail, on whichever node gets there first: the mark is a
     * compare-and-set on the item, in the same transaction as its {@code patient.break_glass_ended} event. A break whose
     * time had run out before is recorded as ended by its expiry, at its expiry.
     */
    void endBreaks(String sessionId, String patientId, String endedBy, Instant now) {
        for (BreakGlass b : store.unendedOf(sessionId, patientId)) {
            end(b, endedBy, now);
        }
    }

    /**
     * The sweep's part (every node's schedule, {@code serve --cleanup-on-start}, {@code ./ward cleanup}): ends each break
     * whose time is up, or whose context is open no more ({@code contextOpen} false: the session ended, or the context
     * idled out or went without its end being seen), each in its own transaction; answers how many it recorded.
     */
    int endFinishedBreaks(Instant now, java.util.function.BiPredicate<String, String> contextOpen, int limit) {
        int n = 0;
        for (BreakGlass b : store.unended(limit)) {
            if (!b.expiresAt().isAfter(now) || !contextOpen.test(b.sessionId(), b.patientId())) {
                if (audit.atomically(() -> end(b, "context_ended", now))) {
                    n++;
                }
            }
        }
        return n;
    }

    private boolean end(BreakGlass b, String endedBy, Instant now) {
        boolean expired = !b.expiresAt().isAfter(now);
        Instant at = expired ? b.expiresAt() : now;
        String by = expired ? "expired" : endedBy;
        if (!store.markEnded(b.id(), by, at)) {
            return false;
        }
        audit.append(AuditEntry.of(b.tenant(), "patient.break_glass_ended").user(b.userId()).session(b.sessionId())
                .patient(b.patientId()).detail("break_glass_id", b.id()).detail("ended_by", by)
                .detail("ended_at", at.toString()).detail("reason_code", b.reasonCode()).build());
        return true;
    }

    // --- the review queue (administrators) -----------------------------------------------------------------

    /** A break of the glass with the number of reads made under it. */
    public record Reviewed(BreakGlass breakGlass, long reads) {}

    public List<Reviewed> queue(Actor actor, String tenant, String status, int limit) {
        if (status != null && !status.equals(BreakGlass.OPEN) && !status.equals(BreakGlass.REVIEWED)) {
            throw ProblemException.validation("status", "status must be open or reviewed");
        }
        return store.list(guard.readableScope(actor, tenant), status, limit).stream()
                .map(b -> new Reviewed(b, store.readsUnder(b))).toList();
    }

    /** The tenant's breaks of the glass awaiting review, newest first, at most {@code limit} (without their reads). */
    public List<BreakGlass> awaitingReview(Actor actor, String tenant, int limit) {
        guard.requireAdminOf(actor, tenant);
        return store.list(tenant, BreakGlass.OPEN, limit);
    }

    /**
     * Refuses, before the request's body is read, an actor who may not review this item: not an administrator
     * anywhere (403, before any lookup), or the item is not of a tenant the actor administers (404).
     */
    public void requireReviewable(Actor actor, String id) {
        if (!actor.isAdminOf(actor.tenant())) {
            guard.requireAdminOf(actor, actor.tenant());
        }
        store.findBreakGlass(id).filter(x -> actor.isAdminOf(x.tenant()))
                .orElseThrow(() -> ProblemException.notFound("break_glass_not_found", "No such break-glass item."));
    }

    /** Closes an item of a tenant the actor administers (another tenant's is "not found"), audited. */
    public void review(Actor actor, String id, boolean justified, String note) {
        if (note != null && note.length() > 2000) {
            throw ProblemException.validation("note", "note is at most 2000 characters");
        }
        if (!actor.isAdminOf(actor.tenant())) {
            // Not an administrator anywhere: refused before any lookup, so the answer says nothing about the id.
            guard.requireAdminOf(actor, actor.tenant());
        }
        BreakGlass b = store.findBreakGlass(id).filter(x -> actor.isAdminOf(x.tenant()))
                .orElseThrow(() -> ProblemException.notFound("break_glass_not_found", "No such break-glass item."));
        if (actor instanceof Actor.User u && u.userId().equals(b.userId())) {
            // Separation of duties: whoever broke the glass cannot be the one who signs it off (the attack review found
            // an administrator justifying their own override). Another administrator, or an admin API key, reviews it.
            throw new ProblemException(403, "break_glass_self_review", "Forbidden",
                    "A break of the glass is reviewed by someone other than the user who made it.");
        }
        Instant now = clock.instant();
        audit.atomically(() -> {
            if (!store.review(id, justified, note, actor.auditName(), now)) {
                throw ProblemException.conflict("break_glass_reviewed", "This break-glass item was reviewed already.");
            }
            audit.append(AuditEntry.of(b.tenant(), "patient.break_glass_reviewed").actor(actor).user(b.userId())
                    .session(b.sessionId()).patient(b.patientId()).detail("break_glass_id", id).detail("justified", justified)
                    .detail("reads", store.readsUnder(b)).build());
        });
    }
}
