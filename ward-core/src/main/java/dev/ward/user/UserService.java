package dev.ward.user;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.session.SessionService;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Administers the accounts of a tenant. Every method checks the actor against the tenant first. */
public final class UserService {
    private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._@+-]{0,63}");
    private static final Pattern ROLE = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

    private final UserStore users;
    private final LockoutStore lockouts;
    private final AccountLockout lockout;
    private final OpenChallenges challenges;
    private final TenantService tenants;
    private final SessionService sessions;
    private final PasswordHasher hasher;
    private final PasswordRules rules;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    public UserService(UserStore users, LockoutStore lockouts, OpenChallenges challenges, TenantService tenants,
                       SessionService sessions, PasswordHasher hasher, PasswordRules rules, AdminGuard guard, AuditTrail audit,
                       Clock clock) {
        this.users = users;
        this.lockouts = lockouts;
        this.lockout = new AccountLockout(lockouts, challenges, audit, clock);
        this.challenges = challenges;
        this.tenants = tenants;
        this.sessions = sessions;
        this.hasher = hasher;
        this.rules = rules;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** Usernames are compared case-insensitively: Ward stores and matches them in lower case. */
    public static String normalizeUsername(String username) {
        return username.strip().toLowerCase(Locale.ROOT);
    }

    public UserView create(Actor actor, String tenantId, String username, String password, List<String> roles) {
        guard.requireAdminOf(actor, tenantId);
        Tenant tenant = requireTenant(tenantId);
        User user = newUser(tenant, username, password, roles);
        audit.atomically(() -> {
            if (!users.insert(user)) {
                throw ProblemException.conflict("user_exists", "A user with that username exists in this tenant.");
            }
            audit.append(AuditEntry.of(tenantId, "admin.user_created").actor(actor).user(user.id())
                    .detail("roles", user.roles()).build());
        });
        return new UserView(user, UserStatus.ACTIVE, null);
    }

    /** Bootstrap only: creates the first administrator without an actor. False when the username exists. */
    public boolean createInitialAdmin(Tenant tenant, String username, String password) {
        // Every start asks; once the administrator exists (every start but the first) the answer costs one read, not the
        // Argon2id hash of a password nobody will use (a cold JVM's half second; issue 13 goal 4). The insert below still
        // decides where two nodes start at once.
        if (users.findByUsername(tenant.id(), normalizeUsername(username)).isPresent()) {
            return false;
        }
        User user = newUser(tenant, username, password, List.of(Actor.ADMIN_ROLE));
        return audit.atomically(() -> {
            boolean created = users.insert(user);
            if (created) {
                audit.append(AuditEntry.of(tenant.id(), "admin.user_created").actor(new Actor.Operator()).user(user.id())
                        .detail("roles", user.roles()).detail("bootstrap", true).build());
            }
            return created;
        });
    }

    private User newUser(Tenant tenant, String username, String password, List<String> roles) {
        String name = normalizeUsername(username);
        if (!USERNAME.matcher(name).matches()) {
            throw ProblemException.validation("username",
                    "username must be 1-64 characters of a-z, 0-9 and . _ @ + - (case-insensitive)");
        }
        List<String> cleanRoles = validRoles(roles);
        Policy policy = tenant.policy();
        List<PasswordRules.Reason> reasons = rules.check(password, name, policy.passwordMinLength());
        if (!reasons.isEmpty()) {
            throw weakPassword(reasons);
        }
        return new User(tenant.id(), Secrets.newId("usr_"), name, hasher.hash(password), cleanRoles, false, false,
                clock.instant());
    }

    public static ProblemException weakPassword(List<PasswordRules.Reason> reasons) {
        String detail = "The password " + String.join("; ", reasons.stream().map(PasswordRules.Reason::message).toList()) + ".";
        return ProblemException.unprocessable("weak_password", detail, Map.of("reasons",
                reasons.stream().map(r -> Map.of("code", r.code(), "message", r.message())).toList()));
    }

    public UserView get(Actor actor, String tenant, String userId) {
        guard.requireAdminOf(actor, tenant);
        return view(require(tenant, userId));
    }

    /** A user found by username (compared as logins compare it), for the operator's command line. */
    public UserView byUsername(Actor actor, String tenant, String username) {
        guard.requireAdminOf(actor, tenant);
        requireTenant(tenant);
        return view(users.findByUsername(tenant, normalizeUsername(username))
                .orElseThrow(() -> ProblemException.notFound("user_not_found", "No such user in this tenant.")));
    }

    public List<UserView> list(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
        requireTenant(tenant);
        return users.list(tenant).stream().map(this::view).toList();
    }

    public void unlock(Actor actor, String tenant, String userId) {
        guard.requireAdminOf(actor, tenant);
        User user = require(tenant, userId);
        audit.atomically(() -> {
            lockouts.clear(tenant, user.id());
            audit.append(AuditEntry.of(tenant, "account.unlocked").actor(actor).user(user.id()).build());
        });
    }

    /**
     * Disables a user and ends their sessions and open MFA challenges. Sessions may live in another store than
     * users (Redis): they are ended before the change, so a session store that does not answer leaves the user
     * unchanged (503, retry) rather than disabled with live sessions, and again after it, for a login that
     * slipped in between.
     */
    public void disable(Actor actor, String tenant, String userId) {
        guard.requireAdminOf(actor, tenant);
        User user = require(tenant, userId);
        sessions.endAllOfUser(tenant, user.id(), "user_disabled", actor);
        audit.atomically(() -> {
            users.setDisabled(tenant, user.id(), true);
            challenges.deleteAllOfUser(tenant, user.id());
            audit.append(AuditEntry.of(tenant, "admin.user_disabled").actor(actor).user(user.id()).build());
        });
        sessions.endAllOfUser(tenant, user.id(), "user_disabled", actor);
    }

    public void enable(Actor actor, String tenant, String userId) {
        guard.requireAdminOf(actor, tenant);
        User user = require(tenant, userId);
        audit.atomically(() -> {
            users.setDisabled(tenant, user.id(), false);
            audit.append(AuditEntry.of(tenant, "admin.user_enabled").actor(actor).user(user.id()).build());
        });
    }

    public UserView setRoles(Actor actor, String tenant, String userId, List<String> roles) {
        guard.requireAdminOf(actor, tenant);
        User user = require(tenant, userId);
        List<String> clean = validRoles(roles);
        // Sessions first, then the user, then sessions again: see disable.
        sessions.rolesChanged(tenant, user.id(), clean);
        audit.atomically(() -> {
            users.setRoles(tenant, user.id(), clean);
            audit.append(AuditEntry.of(tenant, "admin.user_roles_changed").actor(actor).user(user.id())
                    .detail("from", user.roles()).detail("to", clean).build());
        });
        sessions.rolesChanged(tenant, user.id(), clean);
        return view(require(tenant, userId));
    }

    /**
     * The holder changes their own password: the current one must be right (a wrong one counts toward the
     * lockout like a failed login); every session of the user ends, this one included.
     */
    public void changeOwnPassword(Actor.User actor, String currentPassword, String newPassword) {
        User user = require(actor.tenant(), actor.userId());
        boolean right = hasher.verify(currentPassword, user.passwordHash());
        if (lockout.locked(user.tenant(), user.id())) {
            // Locked by failed guesses: even the right password changes nothing (as at login), and the answer
            // is the same as for a wrong one, so a stolen session cannot finish guessing here.
            audit.append(AuditEntry.of(user.tenant(), "account.password_change_failed").outcome(AuditEntry.DENIED)
                    .actor(actor).user(user.id()).detail("reason", "locked").build());
            throw new ProblemException(403, "current_password_incorrect", "Current password incorrect",
                    "The current password is not correct.");
        }
        if (!right) {
            lockout.recordFailure(user.tenant(), user.id(), requireTenant(user.tenant()).policy(), null);
            audit.append(AuditEntry.of(user.tenant(), "account.password_change_failed").outcome(AuditEntry.FAILURE)
                    .actor(actor).user(user.id()).build());
            throw new ProblemException(403, "current_password_incorrect", "Current password incorrect",
                    "The current password is not correct.");
        }
        setPassword(actor, user, newPassword);
    }

    /** An administrator sets a user's password; every session of the user ends. */
    public void setPassword(Actor actor, String tenant, String userId, String newPassword) {
        guard.requireAdminOf(actor, tenant);
        setPassword(actor, require(tenant, userId), newPassword);
    }

    private void setPassword(Actor actor, User user, String newPassword) {
        Policy policy = requireTenant(user.tenant()).policy();
        List<PasswordRules.Reason> reasons = rules.check(newPassword, user.username(), policy.passwordMinLength());
        if (!reasons.isEmpty()) {
            throw weakPassword(reasons);
        }
        String hash = hasher.hash(newPassword);
        // Sessions first, then the password, then sessions again: see disable.
        sessions.endAllOfUser(user.tenant(), user.id(), "password_change", actor);
        audit.atomically(() -> {
            users.setPasswordHash(user.tenant(), user.id(), hash);
            // A challenge was earned with the old password: it must not finish a sign-in under the new one.
            challenges.deleteAllOfUser(user.tenant(), user.id());
            audit.append(AuditEntry.of(user.tenant(), "account.password_changed").actor(actor).user(user.id()).build());
        });
        sessions.endAllOfUser(user.tenant(), user.id(), "password_change", actor);
    }

    private UserView view(User user) {
        Instant now = clock.instant();
        LockoutState lock = lockouts.get(user.tenant(), user.id());
        UserStatus status = user.disabled() ? UserStatus.DISABLED
                : lock.lockedAt(now) ? UserStatus.LOCKED : UserStatus.ACTIVE;
        return new UserView(user, status, lock.lockedAt(now) ? lock.lockedUntil() : null);
    }

    private static List<String> validRoles(List<String> roles) {
        if (roles.size() > 20) {
            throw ProblemException.validation("roles", "a user has at most 20 roles");
        }
        for (String r : roles) {
            if (!ROLE.matcher(r).matches()) {
                throw ProblemException.validation("roles", "each role must be 1-32 characters of a-z, 0-9, '_' and '-', starting with a letter");
            }
        }
        return roles.stream().distinct().sorted().toList();
    }

    private Tenant requireTenant(String tenant) {
        return tenants.find(tenant).orElseThrow(() -> ProblemException.notFound("tenant_not_found", "No such tenant."));
    }

    private User require(String tenant, String userId) {
        return users.find(tenant, userId).orElseThrow(() -> ProblemException.notFound("user_not_found", "No such user in this tenant."));
    }
}
