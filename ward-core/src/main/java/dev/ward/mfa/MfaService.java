package dev.ward.mfa;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.crypto.Ciphertext;
import dev.ward.crypto.Resealable;
import dev.ward.crypto.TenantCipher;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import dev.ward.session.SessionService;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.AccountLockout;
import dev.ward.user.LockoutStore;
import dev.ward.user.OpenChallenges;
import dev.ward.user.PasswordHasher;
import dev.ward.user.User;
import dev.ward.user.UserStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Multi-factor authentication (C4): TOTP enrolment with a QR code, single-use backup codes, checking a code
 * (with replay refusal and account lockout), disabling and administrator reset.
 */
public final class MfaService implements Resealable {
    /** The TenantCipher field of TOTP secrets; the associated data binds each to its tenant and user. */
    static final String SECRET_FIELD = "mfa-totp-secret";
    /** Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand is unambiguous. */
    private static final char[] BACKUP_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final int BACKUP_GROUPS = 4;
    private static final int BACKUP_GROUP_LENGTH = 4;
    private static final Pattern TOTP_CODE = Pattern.compile("[0-9]{" + Totp.DIGITS + "}");
    private static final Pattern BACKUP_CODE = Pattern.compile("[0-9a-hjkmnp-tv-z]{" + BACKUP_GROUPS * BACKUP_GROUP_LENGTH + "}");
    private static final int MAX_CODE_INPUT = 64;

    private enum Check { TOTP, BACKUP_CODE, REPLAYED_TOTP, REPLAYED_BACKUP_CODE, WRONG }

    private final MfaStore store;
    private final TenantCipher cipher;
    private final TenantService tenants;
    private final UserStore users;
    private final PasswordHasher hasher;
    private final AccountLockout lockout;
    private final OpenChallenges challenges;
    private final SessionService sessions;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    public MfaService(MfaStore store, TenantCipher cipher, TenantService tenants, UserStore users, LockoutStore lockouts,
                      OpenChallenges challenges, PasswordHasher hasher, SessionService sessions, AdminGuard guard,
                      AuditTrail audit, Clock clock) {
        this.store = store;
        this.cipher = cipher;
        this.tenants = tenants;
        this.users = users;
        this.hasher = hasher;
        this.lockout = new AccountLockout(lockouts, challenges, audit, clock);
        this.challenges = challenges;
        this.sessions = sessions;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** Whether the tenant's policy ({@code mfa.required_roles}) requires MFA of someone with these roles. */
    public static boolean requiredFor(List<String> roles, Policy policy) {
        return roles.stream().anyMatch(policy.mfaRequiredRoles()::contains);
    }

    public MfaStatus status(Session s) {
        User user = userOf(s);
        int remaining = user.mfaEnabled()
                ? (int) store.backupCodes(user.tenant(), user.id()).stream().filter(c -> !c.used()).count() : 0;
        return new MfaStatus(user.mfaEnabled(), remaining, requiredFor(user.roles(), tenants.policyOf(user.tenant())));
    }

    /**
     * A new pending TOTP secret (replacing an unconfirmed one); refused while TOTP is enabled. A session past
     * enrolment (aal 1) must give the current password: whoever holds a stolen password-only session must not
     * be able to tie the account to their own authenticator. The enrolment-only session (aal 0) needs none:
     * a password login is the only thing that hands one out, and enrolling is all it may do.
     */
    public TotpEnrolment beginTotp(Session s, Optional<String> currentPassword) {
        User user = userOf(s);
        Tenant tenant = tenants.find(user.tenant()).orElseThrow(() -> ProblemException.notFound("tenant_not_found", "No such tenant."));
        if (user.mfaEnabled()) {
            throw alreadyEnabled();
        }
        if (!s.enrollmentOnly()) {
            requirePassword(user, tenant.policy(), s, currentPassword.orElseThrow(() -> ProblemException.validation(
                    "current_password", "current_password is required to enrol from a session past enrolment (aal 1)")),
                    "setup");
        }
        byte[] secret = Secrets.randomBytes(Totp.SECRET_BYTES);
        String sealed = cipher.seal(user.tenant(), SECRET_FIELD, secret, associatedData(user));
        if (user.mfaEnabled()) {
            throw alreadyEnabled();
        }
        audit.atomically(() -> {
            if (!store.beginTotp(user.tenant(), user.id(), sealed, clock.instant())) {
                throw alreadyEnabled();
            }
            audit.append(AuditEntry.of(user.tenant(), "mfa.enrollment_started").user(user.id()).session(s.id())
                    .ip(s.client().ip()).detail("method", "totp").build());
        });
        String base32 = Base32.encode(secret);
        String uri = otpauthUri(tenant.name(), user.username(), base32);
        return new TotpEnrolment(base32, uri, QrSvg.render(uri));
    }

    /**
     * The first code confirms the pending secret: TOTP is on, the backup codes are issued (shown once) and the
     * user's other sessions end (whoever else held one did not enrol this device). An enrolment-only session
     * (aal 0) becomes aal 2 with a new token: its password login and this code are the two factors. A
     * password-only session (aal 1) stays aal 1: only the login challenge raises a session to aal 2, so a
     * stolen session cannot promote itself with an authenticator of its own.
     */
    public MfaEnabled confirmTotp(Session s, String currentToken, String code) {
        User user = userOf(s);
        if (user.mfaEnabled()) {
            throw alreadyEnabled();
        }
        TotpFactor pending = store.totp(user.tenant(), user.id()).filter(f -> !f.confirmed())
                .orElseThrow(() -> ProblemException.conflict("mfa_setup_required",
                        "There is no pending TOTP secret; start with POST /v1/me/mfa/totp/setup."));
        String presented = normalize(code);
        OptionalLong step = TOTP_CODE.matcher(presented).matches()
                ? Totp.matchingStep(secretOf(user, pending), presented, currentStep()) : OptionalLong.empty();
        if (step.isEmpty()) {
            // Not counted toward lockout: the holder was just given this secret, nothing unknown is being guessed.
            audit.append(AuditEntry.of(user.tenant(), "mfa.failed").outcome(AuditEntry.FAILURE).user(user.id())
                    .session(s.id()).ip(s.client().ip()).detail("method", "totp").detail("stage", "enrollment").build());
            throw invalidCode();
        }
        // Before the factor is on: should the session store fail here (503), nothing is enabled and the holder
        // simply confirms again, rather than losing backup codes that were never shown.
        sessions.endOthers(s, "mfa_enrolled");
        Policy policy = tenants.policyOf(user.tenant());
        List<String> codes = new ArrayList<>();
        List<BackupCode> stored = newBackupCodes(policy.mfaBackupCodes(), codes);
        audit.atomically(() -> {
            if (!store.confirmTotp(user.tenant(), user.id(), pending.sealedSecret(), step.getAsLong(), stored, clock.instant())) {
                throw ProblemException.conflict("mfa_setup_required", "The pending TOTP secret changed meanwhile; start again.");
            }
            audit.append(AuditEntry.of(user.tenant(), "mfa.enrolled").user(user.id()).session(s.id()).ip(s.client().ip())
                    .detail("method", "totp").detail("backup_codes", codes.size()).detail("session_aal", s.aal()).build());
        });
        if (s.enrollmentOnly()) {
            return new MfaEnabled(codes, Session.AAL_MFA, sessions.elevate(s, currentToken, Session.AAL_MFA));
        }
        return new MfaEnabled(codes, s.aal(), Optional.empty());
    }

    /** New backup codes in place of all earlier ones; needs a current code (TOTP or an unused backup code). */
    public List<String> regenerateBackupCodes(Session s, String code) {
        User user = requireEnabled(userOf(s));
        if (lockout.locked(user.tenant(), user.id()) || !verify(user, code, s.client().ip(), s.id())) {
            throw invalidCode();
        }
        List<String> codes = new ArrayList<>();
        List<BackupCode> fresh = newBackupCodes(tenants.policyOf(user.tenant()).mfaBackupCodes(), codes);
        audit.atomically(() -> {
            store.replaceBackupCodes(user.tenant(), user.id(), fresh);
            audit.append(AuditEntry.of(user.tenant(), "mfa.backup_codes_regenerated").user(user.id()).session(s.id())
                    .ip(s.client().ip()).detail("backup_codes", codes.size()).build());
        });
        return codes;
    }

    /**
     * The holder switches MFA off with their password and a current code. Their other sessions end; this one
     * drops to aal 1, or to enrolment-only when a role requires MFA.
     */
    public void disable(Session s, String password, String code) {
        User user = requireEnabled(userOf(s));
        Policy policy = tenants.policyOf(user.tenant());
        requirePassword(user, policy, s, password, "disable");
        if (!verify(user, code, s.client().ip(), s.id())) {
            throw invalidCode();
        }
        // Sessions first: a session store that fails here (503) leaves MFA on, rather than off with this session
        // still at aal 2.
        sessions.endOthers(s, "mfa_disabled");
        audit.atomically(() -> {
            store.remove(user.tenant(), user.id());
            challenges.deleteAllOfUser(user.tenant(), user.id());
            audit.append(AuditEntry.of(user.tenant(), "mfa.disabled").actor("user:" + user.id()).user(user.id())
                    .session(s.id()).ip(s.client().ip()).build());
        });
        sessions.changeAal(s, requiredFor(user.roles(), policy) ? Session.AAL_ENROLLMENT_ONLY : Session.AAL_PASSWORD);
    }

    /**
     * The holder's current password, as a change to their factors needs it. A wrong one counts toward the
     * lockout like a failed login; a locked account is refused whatever it gives, with the same answer.
     */
    private void requirePassword(User user, Policy policy, Session s, String password, String stage) {
        boolean passwordRight = hasher.verify(password, user.passwordHash());
        if (lockout.locked(user.tenant(), user.id())) {
            throw wrongPassword();
        }
        if (!passwordRight) {
            audit.atomically(() -> {
                lockout.recordFailure(user.tenant(), user.id(), policy, s.client().ip());
                audit.append(AuditEntry.of(user.tenant(), "mfa.failed").outcome(AuditEntry.FAILURE).user(user.id())
                        .session(s.id()).ip(s.client().ip()).detail("stage", stage).detail("reason", "wrong_password").build());
            });
            throw wrongPassword();
        }
    }

    /** An administrator removes a user's MFA (lost device); the user's sessions end, the actor's own excepted. */
    public void reset(Actor actor, String tenant, String userId) {
        guard.requireAdminOf(actor, tenant);
        User user = users.find(tenant, userId)
                .orElseThrow(() -> ProblemException.notFound("user_not_found", "No such user in this tenant."));
        String keep = actor instanceof Actor.User u && u.tenant().equals(tenant) && u.userId().equals(user.id()) ? u.sessionId() : null;
        // Sessions first (a session store that does not answer leaves the factor in place), then again after.
        sessions.endAllOfUser(tenant, user.id(), keep, "mfa_reset", actor);
        audit.atomically(() -> {
            boolean had = store.remove(tenant, user.id());
            challenges.deleteAllOfUser(tenant, user.id());
            audit.append(AuditEntry.of(tenant, "mfa.reset").actor(actor).user(user.id()).detail("had_mfa", had).build());
        });
        sessions.endAllOfUser(tenant, user.id(), keep, "mfa_reset", actor);
    }

    /**
     * Checks a second-factor code of a user with MFA: a TOTP code (once per time step, on every node) or an
     * unused backup code (used up by this). A wrong or replayed code is audited and counts toward the
     * account's lockout. The caller refuses locked accounts before asking.
     */
    public boolean verify(User user, String code, String ip, String sessionId) {
        // The code's use (the TOTP step or backup code spent), its event and a failure's count commit together.
        return audit.atomically(() -> verifyNow(user, code, ip, sessionId));
    }

    private boolean verifyNow(User user, String code, String ip, String sessionId) {
        Check check = check(user, normalize(code));
        String method = switch (check) {
            case TOTP, REPLAYED_TOTP -> "totp";
            case BACKUP_CODE, REPLAYED_BACKUP_CODE -> "backup_code";
            case WRONG -> null;
        };
        switch (check) {
            case TOTP, BACKUP_CODE -> {
                if (check == Check.BACKUP_CODE) {
                    long left = store.backupCodes(user.tenant(), user.id()).stream().filter(c -> !c.used()).count();
                    audit.append(AuditEntry.of(user.tenant(), "mfa.backup_code_used").user(user.id()).session(sessionId)
                            .ip(ip).detail("remaining", left).build());
                }
                audit.append(AuditEntry.of(user.tenant(), "mfa.verified").user(user.id()).session(sessionId).ip(ip)
                        .detail("method", method).build());
                return true;
            }
            case REPLAYED_TOTP, REPLAYED_BACKUP_CODE -> audit.append(AuditEntry.of(user.tenant(), "mfa.replayed")
                    .outcome(AuditEntry.DENIED).user(user.id()).session(sessionId).ip(ip).detail("method", method).build());
            case WRONG -> audit.append(AuditEntry.of(user.tenant(), "mfa.failed").outcome(AuditEntry.FAILURE)
                    .user(user.id()).session(sessionId).ip(ip).build());
        }
        lockout.recordFailure(user.tenant(), user.id(), tenants.policyOf(user.tenant()), ip);
        return false;
    }

    private Check check(User user, String presented) {
        if (TOTP_CODE.matcher(presented).matches()) {
            TotpFactor factor = store.totp(user.tenant(), user.id()).filter(TotpFactor::confirmed).orElse(null);
            if (factor == null) {
                return Check.WRONG;
            }
            OptionalLong step = Totp.matchingStep(secretOf(user, factor), presented, currentStep());
            if (step.isEmpty()) {
                return Check.WRONG;
            }
            return store.advanceStep(user.tenant(), user.id(), step.getAsLong()) ? Check.TOTP : Check.REPLAYED_TOTP;
        }
        if (BACKUP_CODE.matcher(presented).matches()) {
            BackupCode matched = null;
            for (BackupCode c : store.backupCodes(user.tenant(), user.id())) {
                if (Secrets.constantTimeEquals(c.hash(), backupHash(c.salt(), presented))) {
                    matched = c;
                }
            }
            if (matched == null) {
                return Check.WRONG;
            }
            return !matched.used() && store.useBackupCode(user.tenant(), user.id(), matched.id(), clock.instant())
                    ? Check.BACKUP_CODE : Check.REPLAYED_BACKUP_CODE;
        }
        return Check.WRONG;
    }

    /** Spaces and dashes are how people copy codes; case does not matter. Anything absurdly long is simply wrong. */
    private static String normalize(String code) {
        if (code == null || code.length() > MAX_CODE_INPUT) {
            return "";
        }
        return code.replace(" ", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    /**
     * Backup codes are 80 random bits, so offline guessing from a stolen database is out of reach even with a
     * fast hash; a slow password hash would only make every check cost as much as ten Argon2 runs. Each code
     * gets its own 128-bit salt (ASVS 2.6.2), so equal hashes never reveal equal codes.
     */
    private static List<BackupCode> newBackupCodes(int count, List<String> plain) {
        List<BackupCode> stored = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder code = new StringBuilder();
            for (int g = 0; g < BACKUP_GROUPS; g++) {
                if (g > 0) {
                    code.append('-');
                }
                for (int c = 0; c < BACKUP_GROUP_LENGTH; c++) {
                    code.append(BACKUP_ALPHABET[Secrets.randomInt(BACKUP_ALPHABET.length)]);
                }
            }
            String salt = java.util.HexFormat.of().formatHex(Secrets.randomBytes(16));
            plain.add(code.toString());
            stored.add(new BackupCode(Secrets.newId("bkc_"), salt, backupHash(salt, normalize(code.toString())), null));
        }
        return stored;
    }

    private static String backupHash(String salt, String normalizedCode) {
        return Secrets.sha256Hex(salt + ":" + normalizedCode);
    }

    private byte[] secretOf(User user, TotpFactor factor) {
        return cipher.open(user.tenant(), SECRET_FIELD, factor.sealedSecret(), associatedData(user));
    }

    /** Binds a sealed secret to its tenant and user: copied to another user's row, it does not open. */
    private static byte[] associatedData(User user) {
        return ("mfa-totp\u0000" + user.tenant() + "\u0000" + user.id()).getBytes(StandardCharsets.UTF_8);
    }

    private long currentStep() {
        return Totp.step(clock.instant(), Totp.PERIOD);
    }

    /** Google Authenticator's key-URI format: {@code otpauth://totp/Issuer:account?secret=…&issuer=…}. */
    static String otpauthUri(String issuer, String account, String base32Secret) {
        String i = uriEncode(issuer);
        return "otpauth://totp/" + i + ":" + uriEncode(account) + "?secret=" + base32Secret + "&issuer=" + i
                + "&algorithm=" + Totp.ALGORITHM + "&digits=" + Totp.DIGITS + "&period=" + Totp.PERIOD.toSeconds();
    }

    /** Percent-encoding as RFC 3986 wants it (a space is %20, never +). */
    private static String uriEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private User userOf(Session s) {
        return users.find(s.tenant(), s.userId())
                .orElseThrow(() -> ProblemException.notFound("user_not_found", "The session's user no longer exists."));
    }

    private static User requireEnabled(User user) {
        if (!user.mfaEnabled()) {
            throw ProblemException.conflict("mfa_not_enabled", "MFA is not enabled for this account.");
        }
        return user;
    }

    private static ProblemException alreadyEnabled() {
        return ProblemException.conflict("mfa_already_enabled", "TOTP is already enabled; disable it first to enrol a new device.");
    }

    /** 403, not 401: the session is fine, the code in the body is not. */
    private static ProblemException invalidCode() {
        return new ProblemException(403, "invalid_mfa_code", "Invalid MFA code",
                "The code is not valid: wrong, expired, or already used.");
    }

    private static ProblemException wrongPassword() {
        return new ProblemException(403, "current_password_incorrect", "Current password incorrect",
                "The current password is not correct.");
    }

    // As a Resealable: a key rewrap moves TOTP secrets onto the tenant's primary key version. Positions are user ids.

    @Override
    public String description() { return "MFA secrets"; }

    @Override
    public String kind() { return "mfa_secrets"; }

    @Override
    public long count(String tenant) { return store.countSecrets(tenant); }

    @Override
    public long countUnder(String tenant, int version) { return store.countSecretsStartingWith(tenant, Ciphertext.prefix(version)); }

    @Override
    public List<Sealed> page(String tenant, Optional<String> after, int limit) {
        return store.secrets(tenant, after.orElse(""), limit).stream().map(s -> new Sealed(s.userId(), s.sealed())).toList();
    }

    @Override
    public boolean replace(String tenant, Sealed sealed, String resealed) {
        return store.replaceSecret(tenant, sealed.position(), sealed.value(), resealed);
    }
}
