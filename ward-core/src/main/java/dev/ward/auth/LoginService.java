package dev.ward.auth;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.session.IssuedSession;
import dev.ward.session.Opening;
import dev.ward.session.SessionService;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.LockoutPolicy;
import dev.ward.user.LockoutState;
import dev.ward.user.LockoutStore;
import dev.ward.user.PasswordHasher;
import dev.ward.user.User;
import dev.ward.user.UserService;
import dev.ward.user.UserStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Password login with account protection (C2). Unknown tenant, unknown user, wrong password, disabled
 * and locked accounts all cost one Argon2 verification and look the same to the caller.
 */
public final class LoginService {
    private final TenantService tenants;
    private final UserStore users;
    private final LockoutStore lockouts;
    private final LoginAttemptStore history;
    private final RateLimiter limiter;
    private final LoginLimits limits;
    private final PasswordHasher hasher;
    private final SessionService sessions;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    public LoginService(TenantService tenants, UserStore users, LockoutStore lockouts, LoginAttemptStore history,
                        RateLimiter limiter, LoginLimits limits, PasswordHasher hasher, SessionService sessions,
                        AdminGuard guard, AuditTrail audit, Clock clock) {
        this.tenants = tenants;
        this.users = users;
        this.lockouts = lockouts;
        this.history = history;
        this.limiter = limiter;
        this.limits = limits;
        this.hasher = hasher;
        this.sessions = sessions;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * @param app the calling back-end, when the login comes through an API key (its tenant must be the
     *            login's tenant and it needs scope {@code sessions}); empty for a browser.
     */
    public LoginResult login(Optional<Actor.ApiKey> app, LoginRequest request) {
        if (app.isPresent()) {
            if (!app.get().has(Scope.SESSIONS)) {
                throw ProblemException.insufficientScope(Scope.SESSIONS.wire());
            }
            if (!app.get().tenant().equals(request.tenant())) {
                throw ProblemException.forbidden("This API key belongs to another tenant.");
            }
        }
        Instant now = clock.instant();
        String username = UserService.normalizeUsername(request.username());
        String ip = request.client().ip();

        if (!ip.isEmpty()) {
            Optional<Duration> wait = limiter.acquire("login:ip:" + ip, limits.perIpPerMinute());
            if (wait.isPresent()) {
                // Refused before anything else is touched, so a flood from one address costs nothing per request.
                return new LoginResult.RateLimited(wait.get());
            }
        }
        // Bucket names are hashed: their size must not depend on what a caller sends.
        Optional<Duration> userWait = limiter.acquire("login:user:" + Secrets.sha256Hex(request.tenant() + "\u0000" + username),
                limits.perUsernamePerMinute());
        if (userWait.isPresent()) {
            record(now, request, username, null, "rate_limited");
            return new LoginResult.RateLimited(userWait.get());
        }

        Optional<Tenant> tenant = tenants.find(request.tenant());
        if (tenant.isEmpty()) {
            hasher.verifyAgainstDummy(request.password());
            // Kept under tenant system: a tenant created later under that id must not inherit these attempts.
            history.append(new LoginAttempt(now, Actor.SYSTEM_TENANT, clip(request.tenant() + "/" + username), null, false,
                    "unknown_tenant", ip, request.client().userAgent()));
            return new LoginResult.Rejected("unknown_tenant");
        }
        Policy policy = tenant.get().policy();
        Optional<User> found = users.findByUsername(request.tenant(), username);
        if (found.isEmpty()) {
            hasher.verifyAgainstDummy(request.password());
            return reject(now, request, username, null, "unknown_user");
        }
        User user = found.get();
        boolean passwordOk = hasher.verify(request.password(), user.passwordHash());
        LockoutState lock = lockouts.get(user.tenant(), user.id());
        if (lock.lockedAt(now)) {
            return reject(now, request, username, user, "locked");
        }
        if (user.disabled()) {
            return reject(now, request, username, user, "disabled");
        }
        if (!passwordOk) {
            LockoutState after = lockouts.recordFailure(user.tenant(), user.id());
            if (after.failures() >= policy.maxLoginFailures()) {
                lockOut(user, after, new LockoutPolicy(policy.maxLoginFailures(), policy.lockout()), now, ip);
            }
            return reject(now, request, username, user, "wrong_password");
        }

        if (lock.failures() > 0 || lock.lockouts() > 0 || lock.lockedUntil() != null) {
            lockouts.clear(user.tenant(), user.id());
        }
        if (hasher.needsRehash(user.passwordHash())) {
            users.setPasswordHash(user.tenant(), user.id(), hasher.hash(request.password()));
        }
        IssuedSession issued;
        switch (sessions.open(user.tenant(), user.id(), user.username(), user.roles(), 1, policy, request.client())) {
            case Opening.LimitReached limit -> {
                reject(now, request, username, user, "session_limit");
                return new LoginResult.SessionLimitReached(limit.limit());
            }
            case Opening.Opened opened -> issued = opened.issued();
        }
        try {
            record(now, request, username, user, null);
            audit.append(AuditEntry.of(user.tenant(), "login.succeeded").user(user.id()).session(issued.session().id())
                    .ip(ip).actor(app.<String>map(Actor::auditName).orElse("user:" + user.id())).build());
        } catch (RuntimeException e) {
            // A login is history + audit + session, or nothing: without its record the session must not live on.
            sessions.discard(issued.session());
            throw e;
        }
        return new LoginResult.Authenticated(issued, user);
    }

    /** Login history for administrators; a null tenant means every tenant (system administrators only). */
    public List<LoginAttempt> history(Actor actor, String tenant, String username, int limit) {
        tenant = guard.readableScope(actor, tenant);
        return history.recent(tenant, username == null ? null : UserService.normalizeUsername(username), limit);
    }

    private void lockOut(User user, LockoutState state, LockoutPolicy policy, Instant now, String ip) {
        int lockoutNumber = state.lockouts() + 1;
        Instant until = now.plus(policy.durationOf(lockoutNumber));
        lockouts.lock(user.tenant(), user.id(), until);
        audit.append(AuditEntry.of(user.tenant(), "account.locked").outcome(AuditEntry.FAILURE).user(user.id()).ip(ip)
                .detail("failures", state.failures()).detail("lockout_number", lockoutNumber)
                .detail("locked_until", until.toString()).build());
    }

    private LoginResult reject(Instant now, LoginRequest request, String username, User user, String reason) {
        record(now, request, username, user, reason);
        audit.append(AuditEntry.of(request.tenant(), "login.failed").outcome(AuditEntry.FAILURE)
                .user(user == null ? null : user.id()).ip(request.client().ip()).detail("reason", reason).build());
        return new LoginResult.Rejected(reason);
    }

    private void record(Instant now, LoginRequest request, String username, User user, String failureReason) {
        history.append(new LoginAttempt(now, clip(request.tenant()), clip(username), user == null ? null : user.id(),
                failureReason == null, failureReason, request.client().ip(), request.client().userAgent()));
    }

    private static String clip(String s) {
        return s.length() <= 256 ? s : s.substring(0, 256);
    }

}
