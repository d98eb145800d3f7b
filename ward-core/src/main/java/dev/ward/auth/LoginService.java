package dev.ward.auth;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.geo.Geolocation;
import dev.ward.geo.Location;
import dev.ward.mfa.MfaService;
import dev.ward.problem.ProblemException;
import dev.ward.problem.ServerBusyException;
import dev.ward.session.Client;
import dev.ward.session.IssuedSession;
import dev.ward.session.Opening;
import dev.ward.session.Session;
import dev.ward.session.SessionService;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.AccountLockout;
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
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Password login with account protection (C2), and its second step for accounts with MFA (C4). Unknown
 * tenant, unknown user, wrong password, disabled and locked accounts all cost one Argon2 verification and
 * look the same to the caller.
 */
public final class LoginService {
    public static final String CHALLENGE_PREFIX = "wmc_";
    private static final Pattern CHALLENGE = Pattern.compile("wmc_[A-Za-z0-9_-]{43}");
    /** The login-history reason of a login from outside the tenant's {@code geo.allowed_countries}. */
    public static final String LOCATION_NOT_ALLOWED = "location_not_allowed";
    /** The login-history reason of a login refused because password hashing was at capacity. */
    public static final String SERVER_BUSY = "server_busy";

    private final TenantService tenants;
    private final UserStore users;
    private final LockoutStore lockouts;
    private final AccountLockout lockout;
    private final MfaService mfa;
    private final MfaChallengeStore challenges;
    private final LoginAttemptStore history;
    private final RateLimiter limiter;
    private final LoginLimits limits;
    private final PasswordHasher hasher;
    private final SessionService sessions;
    private final Geolocation geo;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    public LoginService(TenantService tenants, UserStore users, LockoutStore lockouts, LoginAttemptStore history,
                        RateLimiter limiter, LoginLimits limits, PasswordHasher hasher, SessionService sessions,
                        MfaService mfa, MfaChallengeStore challenges, Geolocation geo, AdminGuard guard, AuditTrail audit,
                        Clock clock) {
        this.tenants = tenants;
        this.users = users;
        this.lockouts = lockouts;
        this.lockout = new AccountLockout(lockouts, challenges, audit, clock);
        this.mfa = mfa;
        this.challenges = challenges;
        this.history = history;
        this.limiter = limiter;
        this.limits = limits;
        this.hasher = hasher;
        this.sessions = sessions;
        this.geo = geo;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * @param app the calling back-end, when the login comes through an API key (its tenant must be the
     *            login's tenant and it needs scope {@code sessions}); empty for a browser.
     */
    public LoginResult login(Optional<Actor.ApiKey> app, LoginRequest request) {
        requireSessionsScope(app);
        if (app.isPresent() && !app.get().tenant().equals(request.tenant())) {
            throw ProblemException.forbidden("This API key belongs to another tenant.");
        }
        Instant now = clock.instant();
        String username = UserService.normalizeUsername(request.username());
        String ip = request.client().ip();

        Optional<Duration> wait = perIpLimit("login", ip);
        if (wait.isPresent()) {
            // Refused before anything else is touched, so a flood from one address costs nothing per request.
            return new LoginResult.RateLimited(wait.get());
        }
        // Bucket names are hashed: their size must not depend on what a caller sends.
        Optional<Duration> userWait = limiter.acquire("login:user:" + Secrets.sha256Hex(request.tenant() + "\u0000" + username),
                limits.perUsernamePerMinute());
        if (userWait.isPresent()) {
            record(now, request, username, null, "rate_limited");
            return new LoginResult.RateLimited(userWait.get());
        }

        Optional<Tenant> tenant = tenants.find(request.tenant());
        Optional<User> found = tenant.isEmpty() ? Optional.empty() : users.findByUsername(request.tenant(), username);
        boolean passwordOk;
        try {
            // One Argon2 verification whatever the case, against a dummy hash where there is no account.
            passwordOk = found.isPresent() ? hasher.verify(request.password(), found.get().passwordHash())
                    : hasher.verifyAgainstDummy(request.password());
        } catch (ServerBusyException busy) {
            // Refused before any password was checked: a failed attempt in the history, nothing toward the lockout.
            if (tenant.isEmpty()) {
                recordUnknownTenant(now, request, username, SERVER_BUSY);
            } else {
                record(now, request, username, found.orElse(null), SERVER_BUSY);
            }
            throw busy;
        }
        if (tenant.isEmpty()) {
            audit.atomically(() -> {
                recordUnknownTenant(now, request, username, "unknown_tenant");
                audit.append(AuditEntry.of(Actor.SYSTEM_TENANT, "login.failed").outcome(AuditEntry.FAILURE)
                        .ip(request.client().ip()).detail("reason", "unknown_tenant").detail("location", where(ip)).build());
            });
            return new LoginResult.Rejected("unknown_tenant");
        }
        Policy policy = tenant.get().policy();
        if (!fromAllowedCountry(policy, ip)) {
            // After the password check like every refusal, and before the account is looked at: the same answer for
            // every account, and nothing toward any lockout.
            audit.atomically(() -> {
                record(now, request, username, found.orElse(null), LOCATION_NOT_ALLOWED);
                audit.append(AuditEntry.of(request.tenant(), "login.failed").outcome(AuditEntry.DENIED)
                        .user(found.map(User::id).orElse(null)).ip(ip).detail("reason", LOCATION_NOT_ALLOWED)
                        .detail("username_tag", usernameTag(request.tenant(), username)).detail("location", where(ip)).build());
            });
            return new LoginResult.LocationNotAllowed();
        }
        if (found.isEmpty()) {
            return reject(now, request, username, null, "unknown_user");
        }
        User user = found.get();
        LockoutState lock = lockouts.get(user.tenant(), user.id());
        if (lock.lockedAt(now)) {
            return reject(now, request, username, user, "locked");
        }
        if (user.disabled()) {
            return reject(now, request, username, user, "disabled");
        }
        if (!passwordOk) {
            audit.atomically(() -> {
                lockout.recordFailure(user.tenant(), user.id(), policy, ip);
                rejectNow(now, request, username, user, "wrong_password");
            });
            return new LoginResult.Rejected("wrong_password");
        }
        if (hasher.needsRehash(user.passwordHash())) {
            upgradeHash(user, request.password());
        }
        if (user.mfaEnabled()) {
            // The failure count stays until the second factor passes: a known password must not reset the
            // counter that wrong codes add to.
            return challenge(app, user, policy, request.client(), now);
        }
        boolean enrolmentOnly = MfaService.requiredFor(user.roles(), policy);
        int aal = enrolmentOnly ? Session.AAL_ENROLLMENT_ONLY : Session.AAL_PASSWORD;
        return switch (openSession(app, user, policy, request.client(), aal, now, request.tenant(), username, lock)) {
            case LoginResult.Authenticated a when enrolmentOnly -> new LoginResult.EnrollmentRequired(a.issued(), a.user(), a.permissions());
            case LoginResult other -> other;
        };
    }

    /**
     * A login refused at the boundary as malformed (a control character in a name, say): recorded as a failed
     * attempt (reason {@code invalid_input}) under its tenant when that exists, else under {@code system}, after
     * the per-address limit like any other attempt. {@code tenant} and {@code username} must be printable already.
     */
    public LoginResult refuseMalformed(Optional<Actor.ApiKey> app, String tenant, String username, Client client) {
        requireSessionsScope(app);
        Optional<Duration> wait = perIpLimit("login", client.ip());
        if (wait.isPresent()) {
            return new LoginResult.RateLimited(wait.get());
        }
        Instant now = clock.instant();
        String reason = "invalid_input";
        boolean known = !tenant.isEmpty() && tenants.cached(tenant).isPresent();
        String where = known ? tenant : Actor.SYSTEM_TENANT;
        String who = known ? username : tenant + "/" + username;
        audit.atomically(() -> {
            history.append(new LoginAttempt(now, where, clip(who), null, false, reason, client.ip(), client.userAgent(),
                    geo.locate(client.ip())));
            audit.append(AuditEntry.of(where, "login.failed").outcome(AuditEntry.FAILURE).ip(client.ip())
                    .detail("reason", reason).build());
        });
        return new LoginResult.Rejected(reason);
    }

    /**
     * The second step of a login with MFA: the {@code wmc_…} challenge and a TOTP or backup code. A challenge
     * is single-use, expires after {@code mfa.challenge_seconds} and dies after {@code mfa.challenge_max_failures}
     * wrong codes; every wrong code also counts toward the account's lockout.
     */
    public LoginResult verifyMfa(Optional<Actor.ApiKey> app, String challenge, String code, String ip) {
        requireSessionsScope(app);
        Instant now = clock.instant();
        Optional<Duration> wait = perIpLimit("mfa", ip);
        if (wait.isPresent()) {
            return new LoginResult.RateLimited(wait.get());
        }
        if (challenge == null || !CHALLENGE.matcher(challenge).matches()) {
            return new LoginResult.Rejected(LoginResult.Rejected.CHALLENGE_INVALID);
        }
        String hash = Secrets.sha256Hex(challenge);
        Optional<MfaChallenge> found = challenges.find(hash)
                .filter(c -> c.liveAt(now))
                .filter(c -> app.isEmpty() || app.get().tenant().equals(c.tenant()));
        Optional<User> user = found.flatMap(c -> users.find(c.tenant(), c.userId()))
                .filter(u -> !u.disabled() && u.mfaEnabled());
        if (found.isEmpty() || user.isEmpty() || lockout.locked(user.get().tenant(), user.get().id())) {
            // Expired, used up, another tenant's, or its account can no longer sign in: the login starts over.
            found.ifPresent(c -> challenges.consume(c.hash()));
            return new LoginResult.Rejected(LoginResult.Rejected.CHALLENGE_INVALID);
        }
        MfaChallenge c = found.get();
        User u = user.get();
        Policy policy = tenants.policyOf(u.tenant());
        LoginRequest attempt = new LoginRequest(u.tenant(), u.username(), "", c.client());
        // An attempt is taken before the code is checked: however many requests race on one challenge, at most
        // mfa.challenge_max_failures codes are ever tested against it.
        if (!challenges.reserveAttempt(hash, policy.mfaChallengeMaxFailures(), now)) {
            challenges.consume(hash);
            return new LoginResult.Rejected(LoginResult.Rejected.CHALLENGE_INVALID);
        }
        if (!mfa.verify(u, code, ip, null)) {
            record(now, attempt, u.username(), u, LoginResult.Rejected.WRONG_MFA_CODE);
            return new LoginResult.Rejected(LoginResult.Rejected.WRONG_MFA_CODE);
        }
        if (lockout.locked(u.tenant(), u.id()) || !challenges.consume(hash)) {
            // Wrong codes sent alongside this one locked the account meanwhile, or a parallel request with a right
            // code finished this login first: either way this one does not sign in.
            challenges.consume(hash);
            return new LoginResult.Rejected(LoginResult.Rejected.CHALLENGE_INVALID);
        }
        return openSession(app, u, policy, c.client(), Session.AAL_MFA, now, u.tenant(), u.username(),
                lockouts.get(u.tenant(), u.id()));
    }

    private LoginResult challenge(Optional<Actor.ApiKey> app, User user, Policy policy, Client client, Instant now) {
        String token = Secrets.newToken(CHALLENGE_PREFIX, 32);
        Instant expires = now.plus(policy.mfaChallengeLifetime());
        audit.atomically(() -> {
            challenges.create(new MfaChallenge(Secrets.sha256Hex(token), user.tenant(), user.id(), client, expires, 0));
            audit.append(AuditEntry.of(user.tenant(), "login.mfa_required").user(user.id()).ip(client.ip())
                    .actor(app.<String>map(Actor::auditName).orElse("user:" + user.id())).build());
        });
        return new LoginResult.MfaRequired(token, expires);
    }

    /**
     * Opens the session; the login's history, its events and the reset of the account's failure count commit with it,
     * so a login is session + history + audit, or nothing.
     */
    private LoginResult openSession(Optional<Actor.ApiKey> app, User user, Policy policy, Client client, int aal, Instant now,
                                    String tenant, String username, LockoutState lock) {
        LoginRequest request = new LoginRequest(tenant, username, "", client);
        Opening opening = sessions.open(user.tenant(), user.id(), user.username(), user.roles(), aal, policy, client, outcome -> {
            switch (outcome) {
                case Opening.LimitReached limit -> rejectNow(now, request, username, user, "session_limit");
                case Opening.Opened opened -> {
                    clearLockout(user, lock);
                    record(now, request, username, user, null);
                    audit.append(AuditEntry.of(user.tenant(), "login.succeeded").user(user.id()).session(opened.issued().session().id())
                            .ip(client.ip()).actor(app.<String>map(Actor::auditName).orElse("user:" + user.id()))
                            .detail("aal", aal).detail("location", where(client.ip())).build());
                }
            }
        });
        return switch (opening) {
            case Opening.LimitReached limit -> new LoginResult.SessionLimitReached(limit.limit());
            case Opening.Opened opened -> new LoginResult.Authenticated(opened.issued(), user,
                    policy.permissions().of(opened.issued().session().roles()));
        };
    }

    /** Recomputes a hash made under weaker parameters; when hashing is at capacity, a later login does it. */
    private void upgradeHash(User user, String password) {
        try {
            users.setPasswordHash(user.tenant(), user.id(), hasher.hash(password));
        } catch (ServerBusyException busy) {
            // the stored hash still verifies; nothing is lost by waiting
        }
    }

    private void clearLockout(User user, LockoutState lock) {
        if (lock.failures() > 0 || lock.lockouts() > 0 || lock.lockedUntil() != null) {
            lockouts.clear(user.tenant(), user.id());
        }
    }

    private static void requireSessionsScope(Optional<Actor.ApiKey> app) {
        if (app.isPresent() && !app.get().has(Scope.SESSIONS)) {
            throw ProblemException.insufficientScope(Scope.SESSIONS.wire());
        }
    }

    /** Never skipped: a caller that names no address shares one bucket with every other such caller. */
    private Optional<Duration> perIpLimit(String what, String ip) {
        return limiter.acquire(what + ":ip:" + ipBucket(ip), limits.perIpPerMinute());
    }

    /**
     * The per-address bucket of an address: IPv4 as is; IPv6 by its /64, since one subscriber is given a whole
     * /64 (RFC 6177) and could otherwise take a fresh bucket for every request.
     */
    public static String ipBucket(String ip) {
        if (ip.isEmpty()) {
            return "unknown";
        }
        if (ip.indexOf(':') < 0 || !ip.matches("[0-9A-Fa-f:.]{2,45}")) {
            return ip;
        }
        try {
            byte[] b = java.net.InetAddress.getByName(ip).getAddress();
            if (b.length != 16) {
                return ip;
            }
            return java.util.HexFormat.of().formatHex(b, 0, 8) + "/64";
        } catch (java.net.UnknownHostException e) {
            return ip;
        }
    }

    /** Removes MFA challenges nobody answered in time. */
    public int sweepChallenges() {
        return challenges.deleteExpired(clock.instant());
    }

    /** Login history for administrators; a null tenant means every tenant (system administrators only). */
    public List<LoginAttempt> history(Actor actor, String tenant, String username, int limit) {
        tenant = guard.readableScope(actor, tenant);
        return history.recent(tenant, username == null ? null : UserService.normalizeUsername(username), limit);
    }

    /** A refused attempt: its history entry and its event commit together. */
    private LoginResult reject(Instant now, LoginRequest request, String username, User user, String reason) {
        audit.atomically(() -> rejectNow(now, request, username, user, reason));
        return new LoginResult.Rejected(reason);
    }

    private void rejectNow(Instant now, LoginRequest request, String username, User user, String reason) {
        record(now, request, username, user, reason);
        audit.append(AuditEntry.of(request.tenant(), "login.failed").outcome(AuditEntry.FAILURE)
                .user(user == null ? null : user.id()).ip(request.client().ip()).detail("reason", reason)
                .detail("username_tag", usernameTag(request.tenant(), username))
                .detail("location", where(request.client().ip())).build());
    }

    /**
     * What the trail keeps of the username a failed login typed, for the credential-stuffing detector (distinct
     * usernames from one address): 4 hex digits (16 bits) of SHA-256 over the tenant and the normalised name. Never the
     * name, which may be a password typed into the wrong field: 65,536 values tell distinct names apart well enough to
     * count a few dozen, and say next to nothing about any one (docs/decisions/0026-detectors.md).
     */
    static String usernameTag(String tenant, String username) {
        return Secrets.sha256Hex(tenant + "\n" + username).substring(0, 4);
    }

    /**
     * Whether the tenant takes logins from where this address is: from anywhere when {@code geo.allowed_countries} is
     * empty; else from a listed country, or from the organisation's own network (an address that is not public, which no
     * GeoIP database locates). A public address that cannot be located is refused (fail closed), locations off included.
     */
    private boolean fromAllowedCountry(Policy policy, String ip) {
        List<String> allowed = policy.allowedCountries();
        if (allowed.isEmpty() || !Geolocation.isPublic(ip)) {
            return true;
        }
        return geo.locate(ip).map(l -> allowed.contains(l.country())).orElse(false);
    }

    /** The address's location as an audit detail; null (no detail) where it has none. */
    private Map<String, Object> where(String ip) {
        return geo.locate(ip).map(Location::auditDetail).orElse(null);
    }

    /** Kept under tenant system: a tenant created later under that id must not inherit these attempts. */
    private void recordUnknownTenant(Instant now, LoginRequest request, String username, String reason) {
        history.append(new LoginAttempt(now, Actor.SYSTEM_TENANT, clip(request.tenant() + "/" + username), null, false,
                reason, request.client().ip(), request.client().userAgent(), geo.locate(request.client().ip())));
    }

    private void record(Instant now, LoginRequest request, String username, User user, String failureReason) {
        history.append(new LoginAttempt(now, clip(request.tenant()), clip(username), user == null ? null : user.id(),
                failureReason == null, failureReason, request.client().ip(), request.client().userAgent(),
                geo.locate(request.client().ip())));
    }

    private static String clip(String s) {
        return s.length() <= 256 ? s : s.substring(0, 256);
    }

}
