package dev.ward.session;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.tenant.Policy;
import dev.ward.tenant.TenantService;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** The session lifecycle (C3): open within limits, validate (expiry, binding, rotation), list and end. */
public final class SessionService {
    public static final String TOKEN_PREFIX = SessionRoute.TOKEN_PREFIX;
    /** Kinds of session change, as intents name them (see {@link SessionChanges}). */
    static final String ADMIT = "admit", ROTATE = "rotate", REVOKE = "revoke", REVOKE_USER = "revoke_user", AAL = "aal",
            CLIENT = "client", CLEANUP = "cleanup", CLEAR_DATA = "clear_data";

    private final SessionStore store;
    private final TenantService tenants;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;
    private final SessionChanges changes;
    private final SessionIntents intents;
    private final RefusedChanges refusals;
    /** What else a session holds that must die with it (patient contexts); nothing until {@link #clearsWith}. */
    private volatile SessionData data = SessionData.NONE;
    /** Repairs of intents of other kinds than the session's own (patient contexts), by kind. */
    private final Map<String, java.util.function.Consumer<SessionIntents.Intent>> otherRepairs =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final SessionRevocations revocations;
    private final RestoreGuard restored;

    /**
     * @param intents where changes to a session store outside the database are recorded first (Redis; see SessionChanges)
     * @param revocations where the revocations of such sessions are kept durably, to re-apply to a restored store
     *                    (docs/decisions/0014); {@link SessionRevocations#NONE} for sessions in the database
     * @param refusals    where the changes answered as refused while their outcome could not be told are kept, for the
     *                    repair (decision 0015); {@link RefusedChanges#NONE} for sessions in the database
     */
    public SessionService(SessionStore store, SessionIntents intents, SessionRevocations revocations, RefusedChanges refusals,
                          TenantService tenants, AdminGuard guard, AuditTrail audit, Clock clock) {
        if (store instanceof DetachedSessionStore && revocations == SessionRevocations.NONE) {
            throw new IllegalArgumentException("sessions outside the database need their revocations kept durably");
        }
        this.store = store;
        this.intents = intents;
        this.revocations = revocations;
        this.restored = new RestoreGuard(store instanceof DetachedSessionStore d ? Optional.of(d) : Optional.empty(),
                revocations, clock);
        this.tenants = tenants;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
        this.refusals = refusals;
        this.changes = new SessionChanges(store, intents, refusals, ANSWER_KEPT, audit, clock);
    }

    /** Data kept for sessions elsewhere (patient contexts) is cleared, and recorded, with each session's end. */
    public void clearsWith(SessionData data) {
        this.data = data;
    }

    /** How an interrupted change of another kind (a patient context's) is repaired; see {@link #repairInterrupted}. */
    public void repairsWith(String kind, java.util.function.Consumer<SessionIntents.Intent> repair) {
        otherRepairs.put(kind, repair);
    }

    /** The changes to sessions' stores, for services that keep data beside the sessions (patient contexts). */
    public SessionChanges changes() {
        return changes;
    }

    /** What must be recorded, in the same commit, with the outcome of opening a session (login history, login events). */
    @FunctionalInterface
    public interface OpeningRecord {
        void record(Opening opening);
    }

    /**
     * Opens a session under the tenant's concurrent-session limit (atomic across nodes). The session's events, and what
     * {@code record} writes, commit with it: a login either exists and is recorded, or neither.
     */
    public Opening open(String tenant, String userId, String username, List<String> roles, int aal, Policy policy,
                        Client client, OpeningRecord record) {
        Instant now = clock.instant();
        Instant absolute = now.plus(policy.absoluteTimeout());
        Instant idle = now.plus(policy.idleTimeout());
        if (idle.isAfter(absolute)) {
            idle = absolute;
        }
        Session session = new Session(SessionRoute.newSessionId(SessionRoute.of(tenant, userId)), tenant, userId, username,
                roles, aal, now, now, idle, absolute, 0, client, null, null, now, 0, false);
        String token = SessionRoute.newToken(session.id());
        Admission admission = changes.make(ADMIT, tenant, userId, Map.of("session_id", session.id()),
                () -> store.admit(session, Secrets.sha256Hex(token), policy.idleTimeout(), policy.maxConcurrentSessions(),
                        policy.onLimit(), now),
                result -> {
                    switch (result) {
                        case Admission.LimitReached limit -> {
                            audit.append(AuditEntry.of(tenant, "session.limit_reached").outcome(AuditEntry.DENIED).user(userId)
                                    .ip(client.ip()).detail("limit", limit.limit()).build());
                            record.record(new Opening.LimitReached(limit.limit()));
                        }
                        case Admission.Admitted admitted -> {
                            appendAdmission(session, admitted.evicted());
                            admitted.evicted().forEach(e -> revoked(e, "evicted"));
                            record.record(new Opening.Opened(new IssuedSession(session, token)));
                        }
                    }
                },
                result -> {
                    if (result instanceof Admission.Admitted) {
                        store.revoke(session.id(), LOGIN_ABORTED, clock.instant());
                    }
                });
        return switch (admission) {
            case Admission.LimitReached limit -> new Opening.LimitReached(limit.limit());
            case Admission.Admitted admitted -> new Opening.Opened(new IssuedSession(session, token));
        };
    }

    private void appendAdmission(Session session, List<Session> evicted) {
        for (Session e : evicted) {
            audit.append(AuditEntry.of(session.tenant(), "session.revoked").user(session.userId()).session(e.id())
                    .detail("reason", "evicted").detail("by_session", session.id()).build());
        }
        audit.append(AuditEntry.of(session.tenant(), "session.created").user(session.userId()).session(session.id())
                .ip(session.client().ip()).detail("aal", session.aal()).build());
    }

    /**
     * Validation by an app back-end (the hot path): needs scope {@code sessions}; the session must belong to
     * the key's tenant. {@code client} is the end user's, as vouched for by the back-end, if it passed one.
     */
    public Validation validateFor(Actor.ApiKey caller, String token, Optional<Client> client) {
        requireValidator(caller);
        return validate(token, caller.tenant(), client);
    }

    /**
     * A token an app back-end presents on its user's behalf for a call other than validation (patient contexts, with
     * scope {@code patients}, checked by the caller): a use of the session like any other, in the key's tenant only, with
     * no client to bind (the connection is the app's, not the user's).
     */
    public Validation validateOnBehalf(Actor.ApiKey caller, String token) {
        return validate(token, caller.tenant(), Optional.empty());
    }

    /**
     * The role × module check of a validation's {@code require} (C10, policy {@code permissions}): nothing when one of
     * the session's roles grants the action in the module; else {@code 403 permission_denied}, audited
     * {@code access.denied} with the module and action (the session stays valid: the check judges the request, not the
     * holder). The policy is the tenant's as recently read, so a change applies within the tenant cache's lifetime.
     * {@code audited} is asked only on a refusal, whether this one is still written: a session hammering a module it
     * may not use must not turn each request into an audit row (the HTTP layer bounds it per session and minute).
     */
    public void requirePermission(Actor.ApiKey caller, Session s, String module, String action, BooleanSupplier audited) {
        List<String> granted = permissionsOf(s).get(module);
        if (granted != null && (granted.contains(dev.ward.tenant.Permissions.ANY) || granted.contains(action))) {
            return;
        }
        if (audited.getAsBoolean()) {
            audit.atomically(() -> audit.append(AuditEntry.of(s.tenant(), "access.denied").outcome(AuditEntry.DENIED)
                    .actor(caller).user(s.userId()).session(s.id()).ip(s.client().ip())
                    .detail("module", module).detail("action", action).build()));
        }
        throw new ProblemException(403, "permission_denied", "Permission denied",
                "None of this session's roles may '" + action + "' in module '" + module + "' (tenant policy permissions).",
                Map.of("module", module, "action", action));
    }

    /** module → actions this session's roles may take: the union over its roles under the tenant's policy. */
    public Map<String, List<String>> permissionsOf(Session s) {
        return tenants.cached(s.tenant()).map(t -> t.policy().permissions().of(s.roles())).orElse(Map.of());
    }

    /**
     * {@link #permissionsOf} for the answer to a validation that has already counted its use and may have rotated the
     * token: the tenant's policy not being readable at this point must not turn a change that is done into a 503 (the
     * holder would lose the rotated token). Such an answer carries no permissions, which an app reading them takes as
     * none granted. Never for a permission check: {@link #requirePermission} reads the policy or fails.
     */
    public Map<String, List<String>> permissionsForAnswer(Session s) {
        try {
            return permissionsOf(s);
        } catch (StoreUnavailableException e) {
            return Map.of();
        }
    }

    /** Live sessions per tenant, for /metrics ({@link SessionStore#liveCounts}); empty where the store cannot tell. */
    public Optional<Map<String, Long>> liveCounts(java.util.Set<String> tenants) {
        return store.liveCounts(tenants, clock.instant());
    }

    /** An API key may validate sessions only with scope {@code sessions}. */
    public void requireValidator(Actor.ApiKey caller) {
        if (!caller.has(Scope.SESSIONS)) {
            throw ProblemException.insufficientScope(Scope.SESSIONS.wire());
        }
    }

    /** The tenant of the session a token names, looked up without using the session (no use, no rotation). */
    public Optional<String> tenantOf(String token) {
        Optional<SessionToken> presented = SessionRoute.parse(token);
        restored.ensureCurrent();
        return presented.isEmpty() ? Optional.empty() : store.tenantOf(presented.get());
    }

    /**
     * Records that a session confined to MFA enrolment (aal 0) was refused {@code operation} (e.g. {@code "POST
     * /v1/session/patients/{patient_id}"}, {@code via} {@code session}, {@code api_key} or {@code validate}):
     * {@code session.scope_denied}, which the MFA-bypass detector counts. Only a refusal writes; the happy path does not.
     */
    public void scopeDenied(Session s, String operation, String via) {
        audit.atomically(() -> audit.append(AuditEntry.of(s.tenant(), "session.scope_denied").outcome(AuditEntry.DENIED)
                .user(s.userId()).session(s.id()).ip(s.client().ip()).detail("scope", "mfa_enrollment")
                .detail("operation", operation).detail("via", via).build()));
    }

    /** Validates a token presented by its holder (front channel): {@code client} is the connection's. */
    public Validation validate(String token, Client client) {
        return validate(token, null, Optional.of(client), true);
    }

    /**
     * Validates a token for a call that ends the session (logout): a use like any other, but never a rotation — a token
     * minted for a session about to end would only be a token nobody asked for.
     */
    public Validation validateWithoutRotation(String token, Client client) {
        return validate(token, null, Optional.of(client), false);
    }

    private Validation validate(String token, String tenant, Optional<Client> client) {
        return validate(token, tenant, client, true);
    }

    private Validation validate(String token, String tenant, Optional<Client> client, boolean mayRotate) {
        Optional<SessionToken> presented = SessionRoute.parse(token);
        if (presented.isEmpty()) {
            return invalid("session_invalid", "The session token is not valid.");
        }
        // A store restored from an older snapshot must first be told again which sessions ended since (fail closed).
        restored.ensureCurrent();
        Instant now = clock.instant();
        String hash = presented.get().hash();
        return switch (store.touch(presented.get(), tenant, now)) {
            case Lookup.Touched t -> {
                Validation after = afterTouch(t.session(), t.current() && mayRotate, hash, client, now);
                yield after instanceof Validation.Valid v ? v.withPatients(t.patients()) : after;
            }
            case Lookup.Expired e -> {
                clearEnded(e.session(), "session_expired");
                yield invalid("session_expired", "The session has expired.");
            }
            case Lookup.Superseded s -> invalid("session_expired", "This token was replaced by a newer one and its grace period is over.");
            case Lookup.Revoked r -> new Validation.Invalid("session_revoked", "The session has been ended.",
                    Optional.ofNullable(r.session().revokeReason()));
            case Lookup.OtherTenant o -> {
                audit.append(AuditEntry.of(tenant, "security.cross_tenant_denied").outcome(AuditEntry.DENIED)
                        .detail("operation", "validate").detail("session_tenant", o.session().tenant()).build());
                yield invalid("session_tenant_mismatch", "The session belongs to another tenant than this API key.");
            }
            case Lookup.Unknown u -> invalid("session_invalid", "The session token is not valid.");
        };
    }

    private Validation afterTouch(Session s, boolean current, String hash, Optional<Client> client, Instant now) {
        Policy policy = tenants.policyOf(s.tenant());
        if (s.aal() == Session.AAL_PASSWORD && s.roles().stream().anyMatch(policy.mfaRequiredRoles()::contains)) {
            // A role that requires MFA arrived after this password-only sign-in (a promotion, or a policy change):
            // the session may not carry it. Signing in again asks for the second factor, or for enrolment.
            end(s, "mfa_required", "system");
            return new Validation.Invalid("session_revoked",
                    "A role of this session now requires MFA; sign in again.", Optional.of("mfa_required"));
        }
        if (client.isPresent() && changed(s.client(), client.get())) {
            Client seen = client.get();
            Policy.Binding binding = policy.binding();
            if (binding == Policy.Binding.STRICT) {
                end(s, "binding", "system", bindingChanged(s, seen, binding));
                return new Validation.Invalid("session_revoked", "The session was used from another client and has been ended.",
                        Optional.of("binding"));
            }
            if (binding == Policy.Binding.WARN) {
                Session was = s;
                changes.make(CLIENT, s.tenant(), s.userId(), Map.of("session_id", s.id(), "ip", seen.ip(), "user_agent", seen.userAgent()),
                        () -> {
                            store.updateClient(was.id(), seen);
                            return null;
                        },
                        none -> audit.append(bindingChanged(was, seen, binding)));
                s = s.withClient(seen);
            }
        }
        if (current && rotationDue(s, policy, now)) {
            String fresh = newTokenFor(s);
            try {
                if (rotate(s, hash, fresh, now, policy, s.rotatePending() ? "privilege_change" : "schedule")) {
                    return new Validation.Valid(s.rotated(now), Optional.of(fresh));
                }
                // Another request rotated first: this token remains valid through the grace period.
            } catch (StoreUnavailableException e) {
                // A rotation that cannot be recorded is not made (or is taken back): the holder keeps the token it has,
                // still valid, and the next use rotates. Refusing the use would sign them out for a store's hiccup.
            }
        }
        return new Validation.Valid(s, Optional.empty());
    }

    private static AuditEntry bindingChanged(Session s, Client seen, Policy.Binding binding) {
        return AuditEntry.of(s.tenant(), "session.binding_changed")
                .outcome(binding == Policy.Binding.STRICT ? AuditEntry.DENIED : AuditEntry.SUCCESS)
                .user(s.userId()).session(s.id()).ip(seen.ip())
                .detail("previous_ip", s.client().ip()).detail("ip_changed", !s.client().ip().equals(seen.ip()))
                .detail("user_agent_changed", !s.client().userAgent().equals(seen.userAgent()))
                .detail("policy", binding.name().toLowerCase()).build();
    }

    /** Rotates the session's token (compare-and-set on the current one) with its event; false when another rotated first. */
    private boolean rotate(Session s, String oldHash, String fresh, Instant now, Policy policy, String reason) {
        String newHash = Secrets.sha256Hex(fresh);
        return changes.make(ROTATE, s.tenant(), s.userId(), Map.of("session_id", s.id(), "old", oldHash, "new", newHash),
                () -> store.rotate(s.id(), oldHash, newHash, now, now.plus(policy.rotationGrace())),
                rotated -> {
                    if (rotated) {
                        audit.append(AuditEntry.of(s.tenant(), "session.rotated").user(s.userId()).session(s.id())
                                .detail("reason", reason).build());
                    }
                },
                rotated -> changes.detached().ifPresent(d -> {
                    if (rotated) {
                        d.undoRotate(s.id(), oldHash, newHash);
                    }
                }));
    }

    /** A replacement token names the same session (and so routes where it already lives). */
    private static String newTokenFor(Session s) {
        return SessionRoute.newToken(s.id());
    }

    private static boolean rotationDue(Session s, Policy policy, Instant now) {
        return s.rotatePending() || s.usesSinceRotation() >= policy.rotateAfterUses()
                || !now.isBefore(s.rotatedAt().plus(policy.rotateAfter()));
    }

    private static boolean changed(Client recorded, Client seen) {
        return !recorded.ip().equals(seen.ip()) || !recorded.userAgent().equals(seen.userAgent());
    }

    /** Issues a new token now (after MFA, for instance); the presented one keeps working through the grace period. */
    public Optional<String> rotateNow(Session s, String currentToken) {
        return rotateNow(s, currentToken, "requested");
    }

    /**
     * Raises a live session's assurance level (MFA confirmed) and, because its privileges grew, gives it a new
     * token (C3: rotation after MFA). Empty when the token could not be rotated (not the current one).
     */
    public Optional<String> elevate(Session s, String currentToken, int aal) {
        changeAal(s, aal);
        return rotateNow(s, currentToken, "aal_raised");
    }

    /** Sets a live session's assurance level, e.g. back down when the user's MFA is switched off. */
    public void changeAal(Session s, int aal) {
        changes.make(AAL, s.tenant(), s.userId(), Map.of("session_id", s.id(), "from", s.aal(), "to", aal),
                () -> store.setAal(s.id(), aal, clock.instant()),
                changed -> {
                    if (changed) {
                        audit.append(aalChanged(s.tenant(), s.userId(), s.id(), s.aal(), aal));
                    }
                });
    }

    private static AuditEntry aalChanged(String tenant, String userId, String sessionId, int from, int to) {
        return AuditEntry.of(tenant, "session.aal_changed").user(userId).session(sessionId).detail("from", from).detail("to", to).build();
    }

    private Optional<String> rotateNow(Session s, String currentToken, String reason) {
        Instant now = clock.instant();
        String fresh = newTokenFor(s);
        Policy policy = tenants.policyOf(s.tenant());
        return rotate(s, Secrets.sha256Hex(currentToken), fresh, now, policy, reason) ? Optional.of(fresh) : Optional.empty();
    }

    public void logout(Session session) {
        end(session, "logout", "user:" + session.userId());
    }

    /** The holder's own live sessions, oldest first. */
    public List<Session> ownSessions(Session current) {
        restored.ensureCurrent();
        return store.live(current.tenant(), current.userId(), clock.instant(), 1000);
    }

    /** Ends one of the holder's own sessions; someone else's is "not found", never a hint that it exists. */
    public void endOwn(Session current, String sessionId) {
        Session target = store.findById(sessionId)
                .filter(t -> t.tenant().equals(current.tenant()) && t.userId().equals(current.userId()))
                .filter(t -> t.liveAt(clock.instant()))
                .orElseThrow(() -> ProblemException.notFound("session_not_found", "No such session of yours."));
        end(target, "logout", "user:" + current.userId());
    }

    /** Ends every other session of the holder ("sign out other devices"). */
    public int endOthers(Session current) {
        return endOthers(current, "logout");
    }

    /** Ends every other session of the holder, for {@code reason} (e.g. {@code mfa_disabled}). */
    public int endOthers(Session current, String reason) {
        return endAll(current.tenant(), current.userId(), current.id(), reason, "user:" + current.userId(), current.id());
    }

    /** Live sessions for administrators; tenant null means all tenants (system administrators only). */
    public List<Session> adminList(Actor actor, String tenant, String userId, int limit) {
        tenant = guard.readableScope(actor, tenant);
        if (tenant == null && userId != null) {
            throw ProblemException.validation("tenant", "tenant is required when filtering by user_id");
        }
        restored.ensureCurrent();
        return store.live(tenant, userId, clock.instant(), limit);
    }

    /**
     * An administrator ends a session. A session of a tenant the actor does not administer is "not found",
     * exactly like a nonexistent id (no oracle), and the attempt is audited as a cross-tenant event.
     */
    public void adminEnd(Actor actor, String sessionId) {
        if (!actor.isAdminOf(actor.tenant())) {
            // Not an administrator anywhere: refused before any lookup, so the answer says nothing about the id.
            guard.requireAdminOf(actor, actor.tenant());
        }
        Session target = store.findById(sessionId)
                .orElseThrow(() -> ProblemException.notFound("session_not_found", "No such session."));
        if (!actor.isAdminOf(target.tenant())) {
            audit.append(AuditEntry.of(actor.tenant(), "security.cross_tenant_denied").outcome(AuditEntry.DENIED)
                    .actor(actor).detail("target_tenant", target.tenant()).detail("operation", "end_session").build());
            throw ProblemException.notFound("session_not_found", "No such session.");
        }
        if (!target.liveAt(clock.instant())) {
            throw ProblemException.notFound("session_not_found", "No such live session.");
        }
        end(target, "admin", actor.auditName());
    }

    /** Ends every live session of a user (disabled account, password change). */
    public int endAllOfUser(String tenant, String userId, String reason, Actor actor) {
        return endAllOfUser(tenant, userId, null, reason, actor);
    }

    /** Ends every live session of a user but {@code keepSessionId} (may be null): the actor's own, when they act on themselves. */
    public int endAllOfUser(String tenant, String userId, String keepSessionId, String reason, Actor actor) {
        return endAll(tenant, userId, keepSessionId, reason, actor.auditName(), null);
    }

    private int endAll(String tenant, String userId, String keepSessionId, String reason, String actor, String bySession) {
        Map<String, Object> payload = new java.util.LinkedHashMap<>();
        payload.put("reason", reason);
        payload.put("actor", actor);
        if (keepSessionId != null) {
            payload.put("keep", keepSessionId);
        }
        if (bySession != null) {
            payload.put("by_session", bySession);
        }
        List<AuditEntry> cleared = new java.util.ArrayList<>();
        List<Session> ended = changes.make(REVOKE_USER, tenant, userId, payload,
                () -> {
                    for (Session s : store.live(tenant, userId, clock.instant(), 10_000)) {
                        if (!s.id().equals(keepSessionId)) {
                            cleared.addAll(data.clear(s, reason, actor).events());
                        }
                    }
                    return store.revokeAllOfUser(tenant, userId, keepSessionId, reason, clock.instant());
                },
                revoked -> {
                    audit.appendAll(cleared);
                    revoked.forEach(s -> {
                        audit.append(revokedEvent(s, reason, actor, bySession));
                        revoked(s, reason);
                    });
                });
        awaitReplicas(tenant, userId, ended);
        return ended.size();
    }

    /** Keeps a revocation durably with its event (same transaction), for a store restored from an older snapshot. */
    private void revoked(Session s, String reason) {
        revocations.record(s, reason, clock.instant());
    }

    /** Forgets the durable revocations of sessions past their absolute expiry; answers how many. */
    public int pruneRevocations() {
        return revocations.prune(clock.instant());
    }

    private static AuditEntry revokedEvent(Session s, String reason, String actor, String bySession) {
        return AuditEntry.of(s.tenant(), "session.revoked").actor(actor).user(s.userId()).session(s.id())
                .detail("reason", reason).detail("by_session", bySession).build();
    }

    /** A role change: sessions carry the new roles and get a new token at their next use. */
    public void rolesChanged(String tenant, String userId, List<String> roles) {
        store.updateRoles(tenant, userId, roles);
    }

    /**
     * Ends the holder's session at once and purges what it holds (ward.js's emergency cleanup, reason
     * {@code emergency_cleanup}); answers how many patient contexts were cleared.
     */
    public int emergencyCleanup(Session session) {
        return end(session, "emergency_cleanup", "user:" + session.userId());
    }

    /** Ends a session with its events; what it holds elsewhere is cleared in the same change. Answers how much was cleared. */
    private int end(Session s, String reason, String actor, AuditEntry... before) {
        SessionData.Cleared[] cleared = {SessionData.Cleared.NOTHING};
        boolean ended = changes.make(REVOKE, s.tenant(), s.userId(), Map.of("session_id", s.id(), "reason", reason, "actor", actor),
                () -> {
                    cleared[0] = data.clear(s, reason, actor);
                    return store.revoke(s.id(), reason, clock.instant());
                },
                revoked -> {
                    audit.appendAll(List.of(before));
                    audit.appendAll(cleared[0].events());
                    if (revoked) {
                        audit.append(revokedEvent(s, reason, actor, null));
                        revoked(s, reason);
                    }
                });
        if (ended) {
            awaitReplicas(s.tenant(), s.userId(), List.of(s));
        }
        return cleared[0].count();
    }

    /**
     * A session found expired (loss of authentication): what it held is cleared now, not at the next sweep. Best effort:
     * the holder is told "expired" whatever happens here, and the sweep clears what this could not.
     */
    private void clearEnded(Session s, String reason) {
        try {
            if (!data.holdsAny(s)) {
                return;
            }
            changes.make(CLEAR_DATA, s.tenant(), s.userId(), Map.of("session_id", s.id(), "reason", reason),
                    () -> data.clear(s, reason, "system"), cleared -> audit.appendAll(cleared.events()));
        } catch (StoreUnavailableException e) {
            // the session is over either way; its contexts can no longer be reached, and the sweep removes them
        }
    }

    /**
     * A revocation is acknowledged only once it would survive a failover (where the deployment asks for
     * replicas). Audited first: it has happened on the primary whatever the replicas say.
     */
    private void awaitReplicas(String tenant, String userId, List<Session> ended) {
        if (!ended.isEmpty()) {
            store.awaitRevocationReplicas(tenant, userId);
        }
    }

    /**
     * How long an intent must be old before a repair takes it: longer than any request may take (every store call is
     * bounded well below it), so a change still under way is never repaired under its feet.
     */
    public static final java.time.Duration REPAIR_AFTER = java.time.Duration.ofSeconds(30);

    /**
     * Finishes or undoes the session changes interrupted between Redis and the database (a node died, or a store failed
     * in between), each once, from any node: a login's session is ended (its token never reached anyone) with its events
     * written; a rotation is taken back (the holder still has the old token); a revocation, a change of assurance level
     * or of client is finished and audited. Then the logins and rotations answered as refused whose records did commit
     * (the answer lost with the database, decision 0015) are ended or taken back, recorded {@code answer_lost}. Answers
     * how many it repaired. Nothing to do with sessions in the database.
     */
    public int repairInterrupted(String node) {
        if (changes.detached().isEmpty()) {
            return 0;
        }
        DetachedSessionStore detached = changes.detached().get();
        Instant now = clock.instant();
        int repaired = 0;
        for (SessionIntents.Intent intent : intents.claimInterrupted(now.minus(REPAIR_AFTER), now.minus(REPAIR_AFTER), node, 100, now)) {
            if (ANSWER_KEPT.contains(intent.kind())) {
                // Its records did not commit, so this repair's undo is what the refusal said. The refusal goes before
                // this commits: once the intent is gone, a refusal still kept can only be one whose records committed.
                refusals.forget(intent.id());
            }
            audit.atomically(() -> {
                repair(detached, intent, clock.instant());
                intents.finish(intent.id(), node);
            });
            repaired++;
        }
        for (RefusedChanges.Refused refused : refusals.recordedBefore(now.minus(REPAIR_AFTER), 100)) {
            if (intents.pending(refused.intent())) {
                continue; // its records did not commit: the intent's own repair undoes the change, and forgets this
            }
            if (!refusals.claim(refused.intent(), node, now.minus(REPAIR_AFTER), now)) {
                continue; // another node acts on it, or the intent's repair forgot it meanwhile
            }
            audit.atomically(() -> answerLost(detached, refused, clock.instant()));
            refusals.forget(refused.intent());
            repaired++;
        }
        return repaired;
    }

    /**
     * A login or a rotation done and recorded whose request was answered as refused: nobody holds the token it made. The
     * login's session is ended, the rotation taken back (the holder keeps the token it has), each with its event, so
     * that the trail says what the client was told. Again after an interruption: a session already ended for it gets its
     * event again rather than none.
     */
    private void answerLost(DetachedSessionStore d, RefusedChanges.Refused r, Instant now) {
        Map<String, Object> p = r.payload();
        String sessionId = (String) p.get("session_id");
        Optional<Session> found = store.findById(sessionId);
        if (found.isEmpty()) {
            return;
        }
        Session s = found.get();
        switch (r.kind()) {
            case ADMIT -> {
                if (s.liveAt(now) ? store.revoke(sessionId, ANSWER_LOST, now) : ANSWER_LOST.equals(s.revokeReason())) {
                    audit.append(revokedEvent(s, ANSWER_LOST, "system", null));
                    revoked(s, ANSWER_LOST);
                }
            }
            case ROTATE -> {
                if (s.liveAt(now) && d.undoRotate(sessionId, (String) p.get("old"), (String) p.get("new"))) {
                    audit.append(AuditEntry.of(s.tenant(), "session.rotated").actor("system").user(s.userId()).session(s.id())
                            .detail("reason", ANSWER_LOST).detail("undone", true).build());
                }
            }
            default -> throw new IllegalStateException("no refusal is kept for " + r.kind());
        }
    }

    /**
     * The kinds of change whose refusal is kept when their outcome cannot be told (see {@link RefusedChanges}): a login's
     * session and a rotation's new token reach nobody when the answer is a refusal. A revocation answered 503 may still
     * take effect (decision 0011), and the other changes leave the holder with what they hold.
     */
    private static final Set<String> ANSWER_KEPT = Set.of(ADMIT, ROTATE);
    /** The reason a login or a rotation done and recorded is ended or taken back: its answer said it failed. */
    static final String ANSWER_LOST = "answer_lost";

    private void repair(DetachedSessionStore d, SessionIntents.Intent i, Instant now) {
        Map<String, Object> p = i.payload();
        String sessionId = (String) p.get("session_id");
        switch (i.kind()) {
            case ADMIT -> {
                for (Session e : d.evictedBy(i.tenant(), i.userId(), sessionId)) {
                    audit.append(revokedEvent(e, "evicted", null, sessionId));
                    revoked(e, "evicted");
                }
                Optional<Session> s = store.findById(sessionId);
                if (s.isPresent()) {
                    // It existed: recorded as created, and ended, now or by the request that could not record it.
                    appendAdmissionOnly(s.get());
                    if (s.get().liveAt(now) ? store.revoke(sessionId, LOGIN_ABORTED, now) : LOGIN_ABORTED.equals(s.get().revokeReason())) {
                        audit.append(revokedEvent(s.get(), LOGIN_ABORTED, "system", null));
                        revoked(s.get(), LOGIN_ABORTED);
                    }
                }
            }
            case ROTATE -> d.undoRotate(sessionId, (String) p.get("old"), (String) p.get("new"));
            case REVOKE -> {
                String reason = (String) p.get("reason");
                store.findById(sessionId).ifPresent(s -> {
                    audit.appendAll(data.clear(s, reason, (String) p.get("actor")).events());
                    if (s.liveAt(now) ? store.revoke(sessionId, reason, now) : reason.equals(s.revokeReason())) {
                        audit.append(revokedEvent(s, reason, (String) p.get("actor"), null));
                        revoked(s, reason);
                    }
                });
            }
            case REVOKE_USER -> {
                String reason = (String) p.get("reason");
                Map<String, Session> ended = new java.util.LinkedHashMap<>();
                d.revokedSince(i.tenant(), i.userId(), reason, i.begunAt()).forEach(s -> ended.put(s.id(), s));
                store.revokeAllOfUser(i.tenant(), i.userId(), (String) p.get("keep"), reason, now).forEach(s -> ended.put(s.id(), s));
                ended.values().forEach(s -> {
                    audit.append(revokedEvent(s, reason, (String) p.get("actor"), (String) p.get("by_session")));
                    revoked(s, reason);
                });
            }
            case AAL -> {
                int to = ((Number) p.get("to")).intValue();
                if (store.setAal(sessionId, to, now)) {
                    audit.append(aalChanged(i.tenant(), i.userId(), sessionId, ((Number) p.get("from")).intValue(), to));
                }
            }
            case CLIENT -> store.findById(sessionId).filter(s -> s.liveAt(now)).ifPresent(s -> {
                Client seen = new Client((String) p.get("ip"), (String) p.get("user_agent"));
                store.updateClient(sessionId, seen);
                audit.append(bindingChanged(s, seen, Policy.Binding.WARN));
            });
            case CLEANUP -> {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> planned = (List<Map<String, Object>>) p.get("sessions");
                for (Map<String, Object> e : planned) {
                    // Deleted by the interrupted run or now: either way its event is due (once, unless a node removed
                    // it meanwhile on its own sweep, which is recorded there too).
                    Optional<Session> was = store.findById((String) e.get("session_id"));
                    store.delete((String) e.get("session_id"));
                    String type = (String) e.get("type");
                    if (type.equals("session.revoked")) {
                        was.ifPresent(s -> revoked(s, "cleanup"));
                    }
                    if (!type.isEmpty()) {
                        AuditEntry.Builder b = AuditEntry.of((String) e.get("tenant"), type).actor((String) p.get("actor"))
                                .user((String) e.get("user_id")).session((String) e.get("session_id"));
                        audit.append(type.equals("session.expired") ? b.detail("idle", e.get("idle")).build()
                                : b.detail("reason", "cleanup").build());
                    }
                }
            }
            case CLEAR_DATA -> store.findById(sessionId).ifPresent(s ->
                    audit.appendAll(data.clear(s, (String) p.get("reason"), "system").events()));
            default -> {
                var other = otherRepairs.get(i.kind());
                if (other == null) {
                    throw new IllegalStateException("unknown session intent " + i.kind());
                }
                other.accept(i);
            }
        }
    }

    /** The reason a repair ends a session whose login never answered: nobody ever held its token. */
    static final String LOGIN_ABORTED = "login_aborted";

    private void appendAdmissionOnly(Session s) {
        audit.append(AuditEntry.of(s.tenant(), "session.created").user(s.userId()).session(s.id()).ip(s.client().ip())
                .detail("aal", s.aal()).detail("repaired", true).build());
    }

    private static Validation invalid(String code, String detail) {
        return new Validation.Invalid(code, detail, Optional.empty());
    }
}
