package dev.ward.session;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.tenant.Policy;
import dev.ward.tenant.TenantService;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** The session lifecycle (C3): open within limits, validate (expiry, binding, rotation), list and end. */
public final class SessionService {
    public static final String TOKEN_PREFIX = SessionRoute.TOKEN_PREFIX;

    private final SessionStore store;
    private final TenantService tenants;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    public SessionService(SessionStore store, TenantService tenants, AdminGuard guard, AuditTrail audit, Clock clock) {
        this.store = store;
        this.tenants = tenants;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** Opens a session under the tenant's concurrent-session limit (atomic across nodes). */
    public Opening open(String tenant, String userId, String username, List<String> roles, int aal, Policy policy,
                        Client client) {
        Instant now = clock.instant();
        Instant absolute = now.plus(policy.absoluteTimeout());
        Instant idle = now.plus(policy.idleTimeout());
        if (idle.isAfter(absolute)) {
            idle = absolute;
        }
        int route = SessionRoute.of(tenant, userId);
        String token = SessionRoute.newToken(route);
        Session session = new Session(SessionRoute.newSessionId(route), tenant, userId, username, roles, aal,
                now, now, idle, absolute, 0, client, null, null, now, 0, false);
        return switch (store.admit(session, Secrets.sha256Hex(token), policy.idleTimeout(), policy.maxConcurrentSessions(),
                policy.onLimit(), now)) {
            case Admission.LimitReached limit -> {
                audit.append(AuditEntry.of(tenant, "session.limit_reached").outcome(AuditEntry.DENIED).user(userId)
                        .ip(client.ip()).detail("limit", limit.limit()).build());
                yield new Opening.LimitReached(limit.limit());
            }
            case Admission.Admitted admitted -> {
                for (Session evicted : admitted.evicted()) {
                    audit.append(AuditEntry.of(tenant, "session.revoked").user(userId).session(evicted.id())
                            .detail("reason", "evicted").detail("by_session", session.id()).build());
                }
                audit.append(AuditEntry.of(tenant, "session.created").user(userId).session(session.id()).ip(client.ip())
                        .detail("aal", aal).build());
                yield new Opening.Opened(new IssuedSession(session, token));
            }
        };
    }

    /**
     * Validation by an app back-end (the hot path): needs scope {@code sessions}; the session must belong to
     * the key's tenant. {@code client} is the end user's, as vouched for by the back-end, if it passed one.
     */
    public Validation validateFor(Actor.ApiKey caller, String token, Optional<Client> client) {
        requireValidator(caller);
        return validate(token, caller.tenant(), client);
    }

    /** An API key may validate sessions only with scope {@code sessions}. */
    public void requireValidator(Actor.ApiKey caller) {
        if (!caller.has(Scope.SESSIONS)) {
            throw ProblemException.insufficientScope(Scope.SESSIONS.wire());
        }
    }

    /** The tenant of the session a token names, looked up without using the session (no use, no rotation). */
    public Optional<String> tenantOf(String token) {
        OptionalInt route = SessionRoute.ofToken(token);
        return route.isEmpty() ? Optional.empty() : store.tenantOf(Secrets.sha256Hex(token), route.getAsInt());
    }

    /** Validates a token presented by its holder (front channel): {@code client} is the connection's. */
    public Validation validate(String token, Client client) {
        return validate(token, null, Optional.of(client));
    }

    private Validation validate(String token, String tenant, Optional<Client> client) {
        OptionalInt route = SessionRoute.ofToken(token);
        if (route.isEmpty()) {
            return invalid("session_invalid", "The session token is not valid.");
        }
        Instant now = clock.instant();
        String hash = Secrets.sha256Hex(token);
        return switch (store.touch(hash, route.getAsInt(), tenant, now)) {
            case Lookup.Touched t -> afterTouch(t.session(), t.current(), hash, client, now);
            case Lookup.Expired e -> invalid("session_expired", "The session has expired.");
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
            if (binding != Policy.Binding.OFF) {
                audit.append(AuditEntry.of(s.tenant(), "session.binding_changed")
                        .outcome(binding == Policy.Binding.STRICT ? AuditEntry.DENIED : AuditEntry.SUCCESS)
                        .user(s.userId()).session(s.id()).ip(seen.ip())
                        .detail("previous_ip", s.client().ip()).detail("ip_changed", !s.client().ip().equals(seen.ip()))
                        .detail("user_agent_changed", !s.client().userAgent().equals(seen.userAgent()))
                        .detail("policy", binding.name().toLowerCase()).build());
            }
            if (binding == Policy.Binding.STRICT) {
                end(s, "binding", "system");
                return new Validation.Invalid("session_revoked", "The session was used from another client and has been ended.",
                        Optional.of("binding"));
            }
            if (binding == Policy.Binding.WARN) {
                store.updateClient(s.id(), seen);
                s = s.withClient(seen);
            }
        }
        if (current && rotationDue(s, policy, now)) {
            String fresh = newTokenFor(s);
            if (store.rotate(s.id(), hash, Secrets.sha256Hex(fresh), now, now.plus(policy.rotationGrace()))) {
                audit.append(AuditEntry.of(s.tenant(), "session.rotated").user(s.userId()).session(s.id())
                        .detail("reason", s.rotatePending() ? "privilege_change" : "schedule").build());
                return new Validation.Valid(s.rotated(now), Optional.of(fresh));
            }
            // Another request rotated first: this token remains valid through the grace period.
        }
        return new Validation.Valid(s, Optional.empty());
    }

    /** A replacement token routes where the session already lives. */
    private static String newTokenFor(Session s) {
        return SessionRoute.newToken(SessionRoute.of(s.tenant(), s.userId()));
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
        if (store.setAal(s.id(), aal, clock.instant())) {
            audit.append(AuditEntry.of(s.tenant(), "session.aal_changed").user(s.userId()).session(s.id())
                    .detail("from", s.aal()).detail("to", aal).build());
        }
    }

    private Optional<String> rotateNow(Session s, String currentToken, String reason) {
        Instant now = clock.instant();
        String fresh = newTokenFor(s);
        Policy policy = tenants.policyOf(s.tenant());
        if (!store.rotate(s.id(), Secrets.sha256Hex(currentToken), Secrets.sha256Hex(fresh), now, now.plus(policy.rotationGrace()))) {
            return Optional.empty();
        }
        audit.append(AuditEntry.of(s.tenant(), "session.rotated").user(s.userId()).session(s.id()).detail("reason", reason).build());
        return Optional.of(fresh);
    }

    /**
     * Removes a session whose token was never handed out, because the login around it failed midway.
     * Best effort: if the store is down too, the session is unusable anyway (nobody holds its token) and
     * expires or is swept.
     */
    public void discard(Session session) {
        try {
            store.delete(session.id());
        } catch (RuntimeException ignored) {
            // the original failure is what the caller reports
        }
    }

    public void logout(Session session) {
        end(session, "logout", "user:" + session.userId());
    }

    /** The holder's own live sessions, oldest first. */
    public List<Session> ownSessions(Session current) {
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
        List<Session> ended = store.revokeAllOfUser(current.tenant(), current.userId(), current.id(), reason, clock.instant());
        for (Session s : ended) {
            audit.append(AuditEntry.of(s.tenant(), "session.revoked").actor("user:" + current.userId()).user(s.userId())
                    .session(s.id()).detail("reason", reason).detail("by_session", current.id()).build());
        }
        awaitReplicas(current.tenant(), current.userId(), ended);
        return ended.size();
    }

    /** Live sessions for administrators; tenant null means all tenants (system administrators only). */
    public List<Session> adminList(Actor actor, String tenant, String userId, int limit) {
        tenant = guard.readableScope(actor, tenant);
        if (tenant == null && userId != null) {
            throw ProblemException.validation("tenant", "tenant is required when filtering by user_id");
        }
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
        List<Session> ended = store.revokeAllOfUser(tenant, userId, keepSessionId, reason, clock.instant());
        for (Session s : ended) {
            audit.append(AuditEntry.of(tenant, "session.revoked").actor(actor).user(userId).session(s.id())
                    .detail("reason", reason).build());
        }
        awaitReplicas(tenant, userId, ended);
        return ended.size();
    }

    /** A role change: sessions carry the new roles and get a new token at their next use. */
    public void rolesChanged(String tenant, String userId, List<String> roles) {
        store.updateRoles(tenant, userId, roles);
    }

    private void end(Session s, String reason, String actor) {
        if (store.revoke(s.id(), reason, clock.instant())) {
            audit.append(AuditEntry.of(s.tenant(), "session.revoked").actor(actor).user(s.userId()).session(s.id())
                    .detail("reason", reason).build());
            awaitReplicas(s.tenant(), s.userId(), List.of(s));
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

    private static Validation invalid(String code, String detail) {
        return new Validation.Invalid(code, detail, Optional.empty());
    }
}
