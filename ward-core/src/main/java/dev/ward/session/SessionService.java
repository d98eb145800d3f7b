package dev.ward.session;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.tenant.Policy;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/** Opens, validates and ends sessions. */
public final class SessionService {
    public static final String TOKEN_PREFIX = "wst_";
    private static final Pattern TOKEN = Pattern.compile("wst_[A-Za-z0-9_-]{43}");

    private final SessionStore store;
    private final AuditTrail audit;
    private final Clock clock;

    public SessionService(SessionStore store, AuditTrail audit, Clock clock) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
    }

    public IssuedSession open(String tenant, String userId, String username, List<String> roles, int aal,
                              Policy policy, Client client) {
        Instant now = clock.instant();
        Instant absolute = now.plus(policy.absoluteTimeout());
        Instant idle = now.plus(policy.idleTimeout());
        if (idle.isAfter(absolute)) {
            idle = absolute;
        }
        String token = Secrets.newToken(TOKEN_PREFIX, 32);
        Session session = new Session(Secrets.newId("ses_"), tenant, userId, username, roles, aal,
                now, now, idle, absolute, 0, client, null, null);
        store.insert(session, Secrets.sha256Hex(token), policy.idleTimeout());
        audit.append(AuditEntry.of(tenant, "session.created").user(userId).session(session.id()).ip(client.ip())
                .detail("aal", aal).build());
        return new IssuedSession(session, token);
    }

    /** Validation by an app back-end: needs scope {@code sessions}; the session must belong to the key's tenant. */
    public Validation validateFor(Actor.ApiKey caller, String token) {
        if (!caller.has(Scope.SESSIONS)) {
            throw ProblemException.insufficientScope(Scope.SESSIONS.wire());
        }
        return validate(token, caller.tenant());
    }

    /** Validates a token presented by its holder (any tenant). Counts as a use and slides the idle timeout. */
    public Validation validate(String token) {
        return validate(token, null);
    }

    private Validation validate(String token, String tenant) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            return new Validation.Invalid("session_invalid", "The session token is not valid.");
        }
        Instant now = clock.instant();
        return switch (store.touch(Secrets.sha256Hex(token), tenant, now)) {
            case Lookup.Touched t -> new Validation.Valid(t.session());
            case Lookup.Expired e -> new Validation.Invalid("session_expired", "The session has expired.");
            case Lookup.Revoked r -> new Validation.Invalid("session_revoked", "The session has been ended.");
            case Lookup.OtherTenant o -> new Validation.Invalid("session_tenant_mismatch",
                    "The session belongs to another tenant than this API key.");
            case Lookup.Unknown u -> new Validation.Invalid("session_invalid", "The session token is not valid.");
        };
    }

    public void logout(Session session) {
        end(session.tenant(), session.id(), session.userId(), "logout", "user:" + session.userId());
    }

    /** Ends every live session of a user, e.g. when the account is disabled. */
    public int endAllOfUser(String tenant, String userId, String reason, Actor actor) {
        int n = store.revokeAllOfUser(tenant, userId, reason, clock.instant());
        if (n > 0) {
            audit.append(AuditEntry.of(tenant, "session.revoked").actor(actor).user(userId)
                    .detail("reason", reason).detail("count", n).build());
        }
        return n;
    }

    public void rolesChanged(String tenant, String userId, List<String> roles) {
        store.updateRoles(tenant, userId, roles);
    }

    private void end(String tenant, String sessionId, String userId, String reason, String actor) {
        if (store.revoke(tenant, sessionId, reason, clock.instant())) {
            audit.append(AuditEntry.of(tenant, "session.revoked").actor(actor).user(userId).session(sessionId)
                    .detail("reason", reason).build());
        }
    }
}
