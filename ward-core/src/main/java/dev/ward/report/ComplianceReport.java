package dev.ward.report;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.apikey.ApiKey;
import dev.ward.audit.AuditVerifier;
import dev.ward.audit.Checkpoint;
import dev.ward.crypto.KeyState;
import dev.ward.crypto.KeyVersion;
import dev.ward.patient.BreakGlass;
import dev.ward.user.UserStatus;
import dev.ward.user.UserView;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The compliance report of C9 (issue 16 item 2): for a tenant and a period, one row per HIPAA §164.312 technical
 * safeguard and per ONC §170.315 (d)(2), (d)(3), (d)(5) and (d)(10) criterion, each with the policy settings in force
 * (and their changes in the period), the evidence Ward holds — counts from the period's audit trail, and the state at the
 * time of the report: the chain verified for the report, checkpoints, key ages, MFA enrolment, open break-glass
 * reviews, deployment settings — and a verdict, {@code pass} or {@code attention}, with its reason in plain words.
 *
 * <p>A row passes only on evidence: a setting looser than the bound this report holds it to at any time in the period,
 * a value the trail did not record, a chain that does not verify, a period without checkpoints, a break of the glass
 * awaiting review or a key past its age all make it {@code attention}. What Ward cannot see is said in each row.
 */
public final class ComplianceReport {
    public static final String PASS = "pass";
    public static final String ATTENTION = "attention";

    /** Longest idle time before a session (or a patient context) ends: NIST SP 800-63B §4.2.3, AAL2 (30 minutes). */
    static final Duration MAX_IDLE = Duration.ofMinutes(30);
    /** Longest session whatever the activity: NIST SP 800-63B §4.2.3, AAL2 (12 hours, a shift). */
    static final Duration MAX_ABSOLUTE = Duration.ofHours(12);
    /** Shortest password the report accepts: Ward's default (PRODUCT.md C1). */
    static final long MIN_PASSWORD = 12;
    /** Most failed logins before a lockout the report accepts. */
    static final long MAX_LOGIN_FAILURES = 10;
    /** Oldest a signing key (JWT, checkpoints) may be: NIST SP 800-57 Part 1 gives signature keys a 1-3 year cryptoperiod. */
    static final Duration MAX_SIGNING_KEY_AGE = Duration.ofDays(365);
    /** Longest tenant-key rotation interval the report accepts. */
    static final Duration MAX_KEY_ROTATION = Duration.ofDays(365);
    /** How far past its rotation time a tenant key may be before it is stale: the schedule looks every minute. */
    static final Duration ROTATION_SLACK = Duration.ofHours(1);
    /** Six years: HIPAA §164.316(b)(2)(i). */
    static final long MIN_RETENTION_DAYS = 2190;
    /** Periods this long or longer judge accounts unused throughout them. */
    static final Duration DORMANT_PERIOD = Duration.ofDays(30);
    /** Roles whose sign-in without a second factor makes authentication {@code attention}. */
    static final List<String> MFA_ROLES = List.of(Actor.ADMIN_ROLE, "provider");

    /**
     * What Ward knows of how it is deployed, from the settings of the process that makes the report: the server's for the
     * API, the command's environment (and ward.yml) for {@code ward report}.
     *
     * @param databaseTransport {@code embedded} (H2 on this machine), {@code tls_verify_full}, {@code tls_verify_ca},
     *                          {@code tls_required} or {@code tls_not_required} ({@code sslmode} of the PostgreSQL URL)
     * @param redisTransport    {@code none}, {@code tls} ({@code rediss://}) or {@code plain}
     */
    public record Deployment(boolean production, boolean masterKeyFromEnvironment, String databaseTransport,
                             String redisTransport, Optional<String> publicUrl, boolean cookieSecure, int trustedProxies,
                             boolean auditSyslog) {}

    /** One row: a control or criterion, what the tenant's policy sets for it, the evidence, the verdict and why. */
    public record Control(String framework, String reference, String title, String requirement, String verdict,
                          String reason, Map<String, Object> policy, List<Map<String, Object>> policyChanges,
                          Map<String, Object> evidence, String wardCannotSee) {}

    public record Report(String tenant, String tenantName, Instant from, Instant to, Instant generatedAt, String generatedBy,
                         long policyVersion, Map<String, Object> verification, List<Map<String, Object>> policyHistory,
                         Deployment deployment, List<Control> controls) {
        public long count(String verdict) {
            return controls.stream().filter(c -> c.verdict().equals(verdict)).count();
        }
    }

    /** Everything gathered for one report ({@link ComplianceEvidence}). */
    record Facts(String tenant, String tenantName, Instant from, Instant to, Instant generatedAt, String generatedBy,
                 long policyVersion, PolicyTimeline policy, TrailTally trail, AuditVerifier.Result verification,
                 Optional<Checkpoint> newestCheckpoint, List<KeyVersion> tenantKeys, Optional<Instant> jwtKeySince,
                 Optional<Instant> checkpointKeySince, List<UserView> users, boolean systemAdminsNeedMfa,
                 List<ApiKey> apiKeys, List<BreakGlass> awaitingReview, Deployment deployment) {}

    private ComplianceReport() {}

    static Report build(Facts f) {
        List<Control> rows = List.of(accessControl(f), uniqueUser(f), emergencyAccess(f), automaticLogoff(f), encryption(f),
                auditControls(f), integrity(f), authentication(f), transmission(f), auditableEvents(f), auditReports(f),
                accessTimeout(f), actionsOnHealthInformation(f));
        List<Map<String, Object>> history = f.policy().inPeriod().stream().map(c -> c.view(null)).toList();
        return new Report(f.tenant(), f.tenantName(), f.from(), f.to(), f.generatedAt(), f.generatedBy(), f.policyVersion(),
                verification(f), history, f.deployment(), rows);
    }

    // --- the rows ---------------------------------------------------------------------------------------------------

    private static Control accessControl(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(a)(1)", "Access control",
                "Allow access to electronic protected health information only to persons or software programs granted access rights.",
                List.of("session.max_concurrent", "session.on_limit", "browser.allowed_origins", "geo.allowed_countries",
                        "rate_limit.per_minute"));
        TrailTally t = f.trail();
        Map<String, Long> byStatus = new TreeMap<>();
        Map<String, Long> byRole = new TreeMap<>();
        for (UserView u : f.users()) {
            byStatus.merge(u.status().wire(), 1L, Long::sum);
            if (u.status() != UserStatus.DISABLED) {
                u.user().roles().forEach(r -> byRole.merge(r, 1L, Long::sum));
            }
        }
        row.evidence("accounts", byStatus);
        row.evidence("enabled_accounts_by_role", byRole);
        List<ApiKey> live = f.apiKeys().stream().filter(k -> k.revokedAt() == null).toList();
        row.evidence("api_keys_active", live.size());
        row.evidence("api_keys_with_admin_scope", live.stream().filter(k -> k.scopes().contains(Scope.ADMIN)).count());
        Map<String, Object> refused = new LinkedHashMap<>();
        refused.put("permission_denied", t.count("access.denied"));
        refused.put("restricted_patient_denied", t.count("patient.access_denied"));
        refused.put("enrolment_only_session_denied", t.count("session.scope_denied"));
        refused.put("other_tenant_denied", t.count("security.cross_tenant_denied"));
        row.evidence("refused_in_period", refused);
        Map<String, Object> admin = new LinkedHashMap<>();
        admin.put("accounts_created", t.count("admin.user_created"));
        admin.put("accounts_disabled", t.count("admin.user_disabled"));
        admin.put("accounts_enabled", t.count("admin.user_enabled"));
        admin.put("roles_changed", t.count("admin.user_roles_changed"));
        admin.put("api_keys_created", t.count("admin.api_key_created"));
        admin.put("api_keys_revoked", t.count("admin.api_key_revoked"));
        row.evidence("administration_in_period", admin);
        long refusals = refused.values().stream().mapToLong(v -> (Long) v).sum();
        String dormantText;
        if (Duration.between(f.from(), f.to()).compareTo(DORMANT_PERIOD) >= 0) {
            long dormant = f.users().stream().filter(u -> u.status() != UserStatus.DISABLED
                    && !u.user().createdAt().isAfter(f.from()) && !t.usersWhoSignedIn.contains(u.user().id())).count();
            row.evidence("enabled_accounts_unused_all_period", dormant);
            if (dormant > 0) {
                row.attention(dormant + " enabled account(s) existed through the whole period and never signed in: review whether "
                        + "they still need access, and disable those that do not (HIPAA §164.308(a)(3)(ii)(C), (a)(4)).");
            }
            dormantText = " Every enabled account signed in during the period or is newer than it.";
        } else {
            row.evidence("enabled_accounts_unused_all_period", null);
            dormantText = " The period is shorter than 30 days, too short to call an unused account dormant.";
        }
        row.pass("Only this tenant's accounts (and Ward's system administrators) and its API keys reach its data, each within "
                + "its roles or scopes; " + refusals + " request(s) beyond them were refused and recorded in the period."
                + dormantText);
        row.cannotSee("Whether each account still belongs to someone who needs it (joiners, movers and leavers are the "
                + "organisation's process), and what apps allow beyond the permissions they ask Ward about.");
        return row.done();
    }

    private static Control uniqueUser(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(a)(2)(i)", "Unique user identification",
                "Assign a unique name or number for identifying and tracking user identity.", List.of());
        TrailTally t = f.trail();
        row.evidence("enabled_accounts", f.users().stream().filter(u -> u.status() != UserStatus.DISABLED).count());
        row.evidence("sessions_in_period", t.count("session.created"));
        row.evidence("sessions_without_a_user", t.sessionsWithoutUser);
        row.evidence("distinct_users_signed_in", t.usersWhoSignedIn.size());
        row.evidence("app_recorded_patient_actions", t.appPatientActions);
        row.evidence("app_recorded_patient_actions_without_a_user", t.appPatientActionsWithoutUser);
        if (t.sessionsWithoutUser > 0) {
            row.attention(t.sessionsWithoutUser + " session(s) of the period name no user.");
        }
        if (t.appPatientActionsWithoutUser > 0) {
            row.attention(t.appPatientActionsWithoutUser + " action(s) on patient data recorded by apps name no user "
                    + "(POST /v1/audit/events without user_id): they cannot be traced to a person.");
        }
        row.pass("Every session of the period belongs to one named account (usernames are unique within the tenant, each "
                + "account has its own id), and every action on patient data recorded names its user.");
        row.cannotSee("Whether people share an account's password, or leave a signed-in screen to a colleague.");
        return row.done();
    }

    private static Control emergencyAccess(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(a)(2)(ii)", "Emergency access procedure",
                "Establish procedures for obtaining necessary electronic protected health information during an emergency.",
                List.of("patient.break_glass_seconds", "patient.max_seconds"));
        TrailTally t = f.trail();
        Set<String> openNow = f.awaitingReview().stream().map(BreakGlass::id).collect(Collectors.toSet());
        row.evidence("breaks_of_the_glass_in_period", t.breaksOpened.size());
        row.evidence("reason_codes", t.breakReasonCodes);
        row.evidence("reviewed_in_period", Map.of("justified", t.reviewsJustified, "not_justified", t.reviewsNotJustified));
        row.evidence("breaks_of_the_period_awaiting_review", t.breaksOpenedStillOpen(openNow));
        row.evidence("awaiting_review_now", openNow.size());
        Optional<Instant> oldest = f.awaitingReview().stream().map(BreakGlass::openedAt).min(Instant::compareTo);
        row.evidence("oldest_awaiting_review_since", oldest.map(Instant::toString).orElse(null));
        if (!openNow.isEmpty()) {
            row.attention(openNow.size() + " break(s) of the glass await review, the oldest since " + when(oldest.get())
                    + ": an administrator other than the user who broke the glass reviews each (console, Break-glass; or "
                    + "POST /v1/admin/break-glass/{id}/review).");
        }
        String limit = words(Duration.ofSeconds(Math.min(number(row.atEnd("patient.break_glass_seconds")),
                number(row.atEnd("patient.max_seconds")))));
        if (t.breaksOpened.isEmpty()) {
            row.pass("No one broke the glass during the period and none awaits review. The procedure is in place: a restricted "
                    + "patient's chart opens to others only with a written reason, for at most " + limit
                    + ", raising an alert and a review.");
        } else {
            String followUp = t.reviewsNotJustified > 0 ? " Follow up those found not justified under the sanctions policy "
                    + "(§164.308(a)(1)(ii)(C))." : "";
            row.pass(t.breaksOpened.size() + " break(s) of the glass in the period, each with a written reason, limited to "
                    + limit + " and reviewed: " + t.reviewsJustified + " justified, " + t.reviewsNotJustified
                    + " not justified." + followUp);
        }
        row.cannotSee("Which patients should be restricted (apps mark them), and whether staff know the procedure.");
        return row.done();
    }

    private static Control automaticLogoff(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(a)(2)(iii)", "Automatic logoff",
                "Terminate an electronic session after a predetermined time of inactivity.",
                List.of("session.idle_timeout_seconds", "session.absolute_timeout_seconds", "patient.idle_timeout_seconds",
                        "patient.max_seconds"));
        TrailTally t = f.trail();
        row.evidence("sessions_ended_idle", t.expiredIdle);
        row.evidence("sessions_ended_at_their_lifetime", t.expiredAbsolute);
        row.evidence("patient_data_cleared_on_timeout", t.patientDataClearedOnTimeout);
        row.evidence("bounds_seconds", Map.of("idle", MAX_IDLE.toSeconds(), "lifetime", MAX_ABSOLUTE.toSeconds()));
        row.atMost("session.idle_timeout_seconds", "the session idle timeout", MAX_IDLE, "NIST SP 800-63B, AAL2");
        row.atMost("session.absolute_timeout_seconds", "the session lifetime", MAX_ABSOLUTE, "NIST SP 800-63B, AAL2");
        row.atMost("patient.idle_timeout_seconds", "the patient context idle timeout", MAX_IDLE, "as for sessions");
        row.pass("Throughout the period sessions ended after at most " + seconds(row.atEnd("session.idle_timeout_seconds"))
                + " without activity and " + seconds(row.atEnd("session.absolute_timeout_seconds")) + " in all, patient "
                + "contexts after " + seconds(row.atEnd("patient.idle_timeout_seconds")) + " idle; " + t.expiredIdle
                + " session(s) timed out idle.");
        row.cannotSee("Whether apps clear the screen when Ward ends the session (ward.js does on the pages that load it).");
        return row.done();
    }

    private static Control encryption(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(a)(2)(iv)", "Encryption and decryption",
                "Implement a mechanism to encrypt and decrypt electronic protected health information.",
                List.of("keys.rotate_after_seconds"));
        TrailTally t = f.trail();
        row.evidence("algorithm", "AES-256-GCM: a data key per value, wrapped by the tenant's versioned key (Google Tink), "
                + "tenant keys wrapped by the master key");
        Optional<KeyVersion> primary = f.tenantKeys().stream().filter(k -> k.state() == KeyState.PRIMARY).findFirst();
        Map<String, Object> key = null;
        if (primary.isPresent()) {
            key = new LinkedHashMap<>();
            key.put("primary_version", primary.get().version());
            key.put("primary_since", primary.get().createdAt().toString());
            key.put("primary_age_seconds", age(f, primary.get().createdAt()).toSeconds());
            key.put("versions_active", f.tenantKeys().stream().filter(k -> k.state() == KeyState.ACTIVE).count());
            key.put("versions_destroyed", f.tenantKeys().stream().filter(k -> k.state() == KeyState.DESTROYED).count());
        }
        row.evidence("tenant_key", key);
        row.evidence("rotations_in_period", Map.of("scheduled", t.keyRotationsScheduled, "on_demand", t.keyRotationsOnDemand));
        row.evidence("key_versions_destroyed_in_period", t.count("key.destroyed"));
        row.evidence("encryption_api_operations_in_period", t.cryptoOperations);
        row.evidence("master_key", f.deployment().masterKeyFromEnvironment() ? "environment (WARD_MASTER_KEY)"
                : "a file in the data directory");
        row.atMost("keys.rotate_after_seconds", "the tenant key's rotation interval", MAX_KEY_ROTATION, "at most a year");
        Optional<Object> rotateAfter = row.atEnd("keys.rotate_after_seconds");
        if (primary.isPresent() && rotateAfter.isPresent()) {
            Duration every = Duration.ofSeconds(number(rotateAfter));
            Duration age = age(f, primary.get().createdAt());
            if (age.compareTo(every.plus(ROTATION_SLACK)) > 0) {
                row.attention("The tenant key in use (version " + primary.get().version() + ") is " + words(age)
                        + " old, past its rotation every " + words(every) + ": the rotation schedule is not running (is a "
                        + "Ward server up?). Rotate now with ./ward keys rotate --tenant " + f.tenant() + ".");
            }
        }
        if (!f.deployment().masterKeyFromEnvironment()) {
            row.attention("The master key is a file in the data directory (the development set-up): a copy of the directory, "
                    + "or a backup of it, holds the data and its key together. Give WARD_MASTER_KEY from a secret store.");
        }
        if (primary.isEmpty()) {
            row.pass("Ward has encrypted nothing for this tenant yet (it has no key); what it stores is encrypted with "
                    + "AES-256-GCM under a key of the tenant's own once it does.");
        } else {
            row.pass("Patient data, session data and second factors Ward keeps are encrypted with AES-256-GCM under the "
                    + "tenant's key version " + primary.get().version() + ", " + words(age(f, primary.get().createdAt()))
                    + " old (rotated every " + seconds(rotateAfter) + "); " + (t.keyRotationsScheduled + t.keyRotationsOnDemand)
                    + " rotation(s) in the period.");
        }
        row.cannotSee("How apps store patient data they do not send to Ward, and disk or backup encryption on the database "
                + "host.");
        return row.done();
    }

    private static Control auditControls(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(b)", "Audit controls",
                "Implement mechanisms that record and examine activity in systems that contain or use electronic protected "
                        + "health information.",
                List.of("audit.retention_days", "audit.checkpoint_seconds"));
        TrailTally t = f.trail();
        row.evidence("events_in_period", t.events);
        Map<String, Object> categories = new LinkedHashMap<>();
        categories.put("logins", t.countPrefix("login."));
        categories.put("sessions", t.countPrefix("session."));
        categories.put("mfa", t.countPrefix("mfa."));
        categories.put("patient_data", t.countPrefix("patient."));
        categories.put("app_recorded", t.countPrefix("app."));
        categories.put("administration", t.countPrefix("admin.") + t.countPrefix("account."));
        categories.put("keys", t.countPrefix("key.") + t.countPrefix("crypto."));
        categories.put("audit_trail", t.countPrefix("audit."));
        categories.put("alerts", t.countPrefix("alert."));
        categories.put("security", t.countPrefix("security.") + t.count("access.denied"));
        row.evidence("events_by_category", categories);
        row.evidence("fails_closed", true);
        row.evidence("copied_to_atna_syslog", f.deployment().auditSyslog());
        row.evidence("chain_verified_for_this_report", f.verification().ok());
        row.chainMustVerify();
        row.atLeast("audit.retention_days", "the audit retention", MIN_RETENTION_DAYS, "days",
                "six years, HIPAA §164.316(b)(2)(i)");
        Optional<Object> retention = row.atEnd("audit.retention_days");
        if (retention.isPresent() && f.from().isBefore(f.generatedAt().minus(Duration.ofDays(number(retention))))) {
            row.attention("The period starts before the oldest events retention keeps (" + number(retention)
                    + " days): what happened before " + when(f.generatedAt().minus(Duration.ofDays(number(retention))))
                    + " is no longer in the trail.");
        }
        if (t.events == 0) {
            row.attention("Nothing was recorded in the period: was the tenant in use?");
        }
        row.pass(t.events + " events were recorded in the period (logins, sessions, patient data, administration, keys, "
                + "reads of the trail), every one before its change took effect: a change whose event cannot be written does "
                + "not happen. They are kept " + number(retention) + " days, and the chain verifies.");
        row.cannotSee("Activity in apps that they do not send to Ward.");
        return row.done();
    }

    private static Control integrity(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(c)(1)", "Integrity",
                "Protect electronic protected health information from improper alteration or destruction.", List.of());
        TrailTally t = f.trail();
        row.evidence("chain_verification", verification(f));
        long failed = t.cryptoOperations.getOrDefault("decrypt_failed", 0L);
        row.evidence("decryptions_failed_in_period", failed);
        row.evidence("ciphertexts_bound_to", "tenant, field and record (associated data): an altered or moved value fails");
        row.chainMustVerify();
        if (failed > 0) {
            row.attention(failed + " decryption(s) through the encryption API failed their integrity check in the period (a "
                    + "changed ciphertext, or one presented for another field or record): the crypto.usage events name the "
                    + "fields.");
        }
        row.pass("The audit chain verifies end to end (" + f.verification().checked() + " events, "
                + f.verification().checkpoints() + " signed checkpoint(s)), and every encrypted value carries an authentication "
                + "tag bound to its tenant and field: an altered value cannot be decrypted, and none failed in the period.");
        row.cannotSee("Changes to patient records inside apps' own databases.");
        return row.done();
    }

    private static Control authentication(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(d)", "Person or entity authentication",
                "Verify that a person or entity seeking access to electronic protected health information is the one claimed.",
                List.of("mfa.required_roles", "password.min_length", "login.max_failures", "login.lockout_seconds",
                        "session.binding"));
        TrailTally t = f.trail();
        row.evidence("logins_in_period", Map.of("succeeded", t.count("login.succeeded"), "failed", t.count("login.failed"),
                "mfa_required", t.count("login.mfa_required")));
        row.evidence("accounts_locked_in_period", t.count("account.locked"));
        Map<String, Object> mfaEvents = new LinkedHashMap<>();
        for (String type : List.of("mfa.enrolled", "mfa.verified", "mfa.failed", "mfa.replayed", "mfa.reset", "mfa.disabled")) {
            mfaEvents.put(type.substring(4), t.count(type));
        }
        row.evidence("mfa_in_period", mfaEvents);
        List<String> required = strings(row.atEnd("mfa.required_roles"));
        Map<String, Map<String, Object>> coverage = new TreeMap<>();
        for (UserView u : f.users()) {
            if (u.status() == UserStatus.DISABLED) {
                continue;
            }
            for (String role : u.user().roles()) {
                Map<String, Object> c = coverage.computeIfAbsent(role, r -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("accounts", 0L);
                    m.put("enrolled", 0L);
                    m.put("required", required.contains(r));
                    return m;
                });
                c.merge("accounts", 1L, (a, b) -> (Long) a + (Long) b);
                if (u.user().mfaEnabled()) {
                    c.merge("enrolled", 1L, (a, b) -> (Long) a + (Long) b);
                }
            }
        }
        row.evidence("mfa_coverage_by_role", coverage);
        row.evidence("system_administrators_need_mfa", f.systemAdminsNeedMfa());
        row.evidence("jwt_signing_key", keyAge(f, f.jwtKeySince()));
        PolicyTimeline.Held held = row.held("mfa.required_roles");
        for (String role : MFA_ROLES) {
            if (!role.equals(Actor.ADMIN_ROLE) && !coverage.containsKey(role)) {
                continue; // no account of the role: nobody signs in without the factor
            }
            if (held.someUnknown()) {
                row.attention("mfa.required_roles changed during the period to a value the trail did not record: Ward cannot "
                        + "show that " + role + "s needed a second factor throughout.");
                break;
            }
            if (held.known().stream().anyMatch(v -> !strings(Optional.of(v)).contains(role))) {
                row.attention(capital(role) + "s could sign in with a password alone during the period (mfa.required_roles "
                        + "did not include " + role + ").");
            }
        }
        if (!f.systemAdminsNeedMfa()) {
            row.attention("Ward's system administrators, who administer this tenant too, may sign in with a password alone "
                    + "(the mfa.required_roles of tenant system does not include admin).");
        }
        row.atLeast("password.min_length", "the shortest password", MIN_PASSWORD, "characters", "Ward's default");
        row.atMostCount("login.max_failures", "the failed logins before a lockout", MAX_LOGIN_FAILURES);
        f.jwtKeySince().ifPresent(since -> {
            if (age(f, since).compareTo(MAX_SIGNING_KEY_AGE) > 0) {
                row.attention("The key that signs session JWTs is " + words(age(f, since)) + " old: rotate it (POST "
                        + "/v1/admin/signing-keys/rotate, a system administrator).");
            }
        });
        long enrolled = 0;
        long accounts = 0;
        List<String> without = new ArrayList<>();
        for (var e : coverage.entrySet()) {
            if (Boolean.TRUE.equals(e.getValue().get("required"))) {
                enrolled += (Long) e.getValue().get("enrolled");
                accounts += (Long) e.getValue().get("accounts");
            } else {
                without.add(e.getKey() + " (" + e.getValue().get("accounts") + ")");
            }
        }
        String roles = required.isEmpty() ? "no role" : (required.size() == 1 ? "the role " : "the roles ")
                + String.join(", ", required);
        String others = without.isEmpty() ? "" : " Roles without a second factor: " + String.join(", ", without)
                + "; Ward cannot tell whether they see patient data.";
        row.pass("Users prove who they are with a password of at least " + number(row.atEnd("password.min_length"))
                + " characters, locked after " + number(row.atEnd("login.max_failures")) + " failures; " + roles
                + " must add a second factor (" + enrolled + " of " + accounts + " such accounts enrolled; the others can do "
                + "nothing but enrol)." + others);
        row.cannotSee("Whether people keep their passwords and authenticators to themselves.");
        return row.done();
    }

    private static Control transmission(Facts f) {
        Row row = new Row(f, "HIPAA", "§164.312(e)(1)", "Transmission security",
                "Guard against unauthorized access to electronic protected health information transmitted over a network.",
                List.of());
        Deployment d = f.deployment();
        row.evidence("production_mode", d.production());
        row.evidence("public_url", d.publicUrl().orElse(null));
        row.evidence("cookie_secure_always", d.cookieSecure());
        row.evidence("trusted_proxies", d.trustedProxies());
        row.evidence("database_link", d.databaseTransport());
        row.evidence("redis_link", d.redisTransport());
        row.evidence("audit_syslog", d.auditSyslog() ? "TLS (RFC 5425)" : "not configured");
        row.evidence("tls_ends_at", "a proxy or load balancer in front of Ward: Ward listens on plain HTTP");
        row.evidence("strict_transport_security", "not sent by Ward: the TLS-terminating proxy sends it");
        if (!d.production()) {
            row.attention("This is the embedded mode (one machine, an H2 file): not a production deployment.");
        }
        if (d.publicUrl().filter(u -> u.startsWith("https://")).isEmpty()) {
            row.attention("WARD_PUBLIC_URL is not an https:// address: Ward cannot show that clients reach it over TLS.");
        }
        if (!d.cookieSecure() && d.trustedProxies() == 0) {
            row.attention("The session cookie is marked Secure only on connections Ward itself sees as TLS, and it trusts no "
                    + "proxy to say so: set WARD_COOKIE_SECURE=true, or the proxy in WARD_TRUSTED_PROXIES.");
        }
        if (d.databaseTransport().equals("tls_not_required")) {
            row.attention("The link to PostgreSQL does not require TLS (sslmode in WARD_DATABASE_URL): the audit trail's user "
                    + "and patient identifiers cross it.");
        }
        if (d.redisTransport().equals("plain")) {
            row.attention("Redis is reached without TLS (redis:// rather than rediss://).");
        }
        row.pass("Clients reach Ward at " + d.publicUrl().orElse("") + ", the session cookie is Secure, and the links to "
                + "the database and Redis require TLS.");
        row.cannotSee("Ward does not terminate TLS: the proxy's protocol versions, ciphers, certificate and its "
                + "Strict-Transport-Security header are outside its view; check them there (an SSL Labs scan, say). The "
                + "settings shown are those of the process that made this report: the server's, or with ward report the "
                + "command's environment.");
        return row.done();
    }

    private static Control auditableEvents(Facts f) {
        Row row = new Row(f, "ONC", "§170.315(d)(2)", "Auditable events and tamper-resistance",
                "Record auditable events by default; recording cannot be disabled by users; audit records cannot be changed, "
                        + "and alteration or deletion is detectable.",
                List.of("audit.checkpoint_seconds", "audit.retention_days"));
        TrailTally t = f.trail();
        row.evidence("events_in_period", t.events);
        row.evidence("recording_can_be_disabled", false);
        row.evidence("chain_verification", verification(f));
        Map<String, Object> earlier = new LinkedHashMap<>();
        earlier.put("count", t.count("audit.verified"));
        earlier.put("last_at", t.lastVerificationAt == null ? null : t.lastVerificationAt.toString());
        earlier.put("last_ok", t.lastVerificationOk);
        earlier.put("first_failed_at", t.firstFailedVerificationAt == null ? null : t.firstFailedVerificationAt.toString());
        row.evidence("verifications_in_period", earlier);
        Duration interval = Duration.ofSeconds(row.largest("audit.checkpoint_seconds"));
        Duration limit = interval.multipliedBy(2).plusMinutes(1);
        Map<String, Object> checkpoints = new LinkedHashMap<>();
        checkpoints.put("in_period", t.checkpointsInPeriod);
        checkpoints.put("longest_wait_seconds", t.longestWait.toSeconds());
        checkpoints.put("longest_wait_from", t.longestWaitFrom == null ? null : t.longestWaitFrom.toString());
        checkpoints.put("period_end_covered", !t.tailUncovered);
        checkpoints.put("newest_at", f.newestCheckpoint().map(c -> c.at().toString()).orElse(null));
        checkpoints.put("newest_age_seconds", f.newestCheckpoint().map(c -> age(f, c.at()).toSeconds()).orElse(null));
        row.evidence("checkpoints", checkpoints);
        row.evidence("checkpoint_key", keyAge(f, f.checkpointKeySince()));
        row.chainMustVerify();
        if (t.firstFailedVerificationAt != null && f.verification().ok()) {
            row.attention("A verification of " + when(t.firstFailedVerificationAt) + " found the chain broken, though it "
                    + "verifies now: someone changed the database and put it back, or repaired it. Find out who and why.");
        }
        long recorded = t.events - t.count("audit.checkpoint");
        if (recorded > 0 && t.checkpointsInPeriod == 0) {
            row.attention("No signed checkpoint was taken during the period, so nothing outside the database vouches for its "
                    + recorded + " event(s): is a Ward server running its schedule?");
        }
        if (t.longestWait.compareTo(limit) > 0) {
            row.attention("An event of " + when(t.longestWaitFrom) + " waited " + words(t.longestWait) + " for a signed checkpoint"
                    + (t.tailUncovered ? " and still does" : "") + "; the policy asks for one every " + words(interval) + ".");
        }
        f.checkpointKeySince().ifPresent(since -> {
            if (age(f, since).compareTo(MAX_SIGNING_KEY_AGE) > 0) {
                row.attention("The key that signs checkpoints is " + words(age(f, since)) + " old: rotate it (./ward audit "
                        + "rotate-key).");
            }
        });
        row.pass("Every event is chained to the one before by its hash and the chain verifies; " + t.checkpointsInPeriod
                + " signed checkpoint(s) anchor the period (no event waited more than " + words(t.longestWait)
                + " for one; the policy asks for one every " + words(interval) + "). Recording cannot be switched off: a change "
                + "whose event cannot be written does not happen.");
        row.cannotSee("Whether the checkpoints are copied off this machine (docs/operations.md, \"Copying checkpoints off the "
                + "box\"): only copies held elsewhere stop someone who controls both the database and the master key.");
        return row.done();
    }

    private static Control auditReports(Facts f) {
        Row row = new Row(f, "ONC", "§170.315(d)(3)", "Audit report(s)",
                "Enable a user to create an audit report for a specific time period and to sort entries.", List.of());
        TrailTally t = f.trail();
        long reads = t.count("audit.searched") + t.count("audit.exported") + t.count("audit.verified");
        row.evidence("searches_in_period", t.count("audit.searched"));
        row.evidence("exports_in_period_by_format", t.exportsByFormat);
        row.evidence("verifications_in_period", t.count("audit.verified"));
        row.evidence("readers", List.copyOf(t.trailReaders));
        row.evidence("available", List.of("search by user, patient, type and time", "export as NDJSON, CSV or FHIR R4 AuditEvent",
                "usage and compliance reports"));
        if (reads == 0) {
            row.attention("No one searched, exported or verified the trail during the period (this report aside): HIPAA "
                    + "§164.308(a)(1)(ii)(D) asks for regular review of records of system activity.");
        }
        row.pass("The trail was read " + reads + " time(s) in the period by " + t.trailReaders.size() + " reader(s) (searches, "
                + "exports, verifications). It can be searched by user, patient, type and time, and exported for any period.");
        row.cannotSee("Whether what was read was acted upon.");
        return row.done();
    }

    private static Control accessTimeout(Facts f) {
        Row row = new Row(f, "ONC", "§170.315(d)(5)", "Automatic access time-out",
                "Automatically stop user access to health information after a predetermined period of inactivity, and require "
                        + "authentication to resume.",
                List.of("session.idle_timeout_seconds", "patient.idle_timeout_seconds"));
        TrailTally t = f.trail();
        row.evidence("sessions_ended_idle", t.expiredIdle);
        row.evidence("patient_data_cleared_on_timeout", t.patientDataClearedOnTimeout);
        row.atMost("session.idle_timeout_seconds", "the session idle timeout", MAX_IDLE, "NIST SP 800-63B, AAL2");
        row.atMost("patient.idle_timeout_seconds", "the patient context idle timeout", MAX_IDLE, "as for sessions");
        row.pass("After at most " + seconds(row.atEnd("session.idle_timeout_seconds")) + " without activity a session ends and "
                + "its user must sign in again; a patient context closes after " + seconds(row.atEnd("patient.idle_timeout_seconds"))
                + ", its cached data with it.");
        row.cannotSee("Whether apps clear the screen when Ward ends the session (ward.js does on the pages that load it).");
        return row.done();
    }

    private static Control actionsOnHealthInformation(Facts f) {
        Row row = new Row(f, "ONC", "§170.315(d)(10)", "Auditing actions on health information",
                "Record actions on electronic health information by default, in a record that cannot be changed and whose "
                        + "alteration is detectable.", List.of());
        TrailTally t = f.trail();
        Map<String, Object> actions = new LinkedHashMap<>();
        for (String type : List.of("patient.opened", "patient.data_read", "patient.data_written", "patient.closed",
                "patient.cleared", "patient.break_glass", "patient.access_denied")) {
            actions.put(type.substring("patient.".length()), t.count(type));
        }
        actions.put("app_recorded", t.appPatientActions);
        row.evidence("actions_in_period", actions);
        row.evidence("without_a_user", t.appPatientActionsWithoutUser);
        row.evidence("chain_verified_for_this_report", f.verification().ok());
        long total = actions.values().stream().mapToLong(v -> (Long) v).sum();
        row.chainMustVerify();
        if (total == 0) {
            row.attention("No action on patient data was recorded in the period: if apps showed patient data, they did not "
                    + "record it in Ward (patient contexts, or POST /v1/audit/events with app.patient.* types).");
        }
        if (t.appPatientActionsWithoutUser > 0) {
            row.attention(t.appPatientActionsWithoutUser + " action(s) on patient data recorded by apps name no user.");
        }
        row.pass(total + " action(s) on patient data were recorded in the period, each with its user, patient and time, in "
                + "the same tamper-evident chain.");
        row.cannotSee("Access to patient data that apps do not route through Ward or record in it.");
        return row.done();
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private static Map<String, Object> verification(Facts f) {
        AuditVerifier.Result v = f.verification();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("at", f.generatedAt().toString());
        out.put("ok", v.ok());
        out.put("checked", v.checked());
        out.put("checkpoints_checked", v.checkpoints());
        if (v.ok()) {
            out.put("head_seq", v.headSeq());
        } else {
            out.put("first_bad_seq", v.firstBadSeq());
            out.put("reason", v.reason());
            out.put("detail", v.detail());
        }
        return out;
    }

    private static Map<String, Object> keyAge(Facts f, Optional<Instant> since) {
        if (since.isEmpty()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("since", since.get().toString());
        out.put("age_seconds", age(f, since.get()).toSeconds());
        return out;
    }

    private static Duration age(Facts f, Instant since) {
        return Duration.between(since, f.generatedAt());
    }

    private static long number(Optional<Object> v) {
        return v.map(x -> ((Number) x).longValue()).orElse(0L);
    }

    private static String seconds(Optional<Object> v) {
        return v.map(x -> words(Duration.ofSeconds(((Number) x).longValue()))).orElse("(not recorded)");
    }

    private static List<String> strings(Optional<Object> v) {
        return v.filter(List.class::isInstance).map(l -> ((List<?>) l).stream().map(String::valueOf).toList()).orElse(List.of());
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    static String when(Instant t) {
        return WHEN.format(t);
    }

    /** A duration for people: its two largest units ({@code 1 hour 30 minutes}, {@code 12 hours}, {@code 45 seconds}). */
    static String words(Duration d) {
        long s = Math.max(0, d.toSeconds());
        long[] sizes = {86_400, 3_600, 60, 1};
        String[] names = {"day", "hour", "minute", "second"};
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < sizes.length && parts.size() < 2; i++) {
            long n = s / sizes[i];
            if (n > 0) {
                parts.add(n + " " + names[i] + (n == 1 ? "" : "s"));
                s -= n * sizes[i];
            } else if (!parts.isEmpty()) {
                break;
            }
        }
        return parts.isEmpty() ? "0 seconds" : String.join(" ", parts);
    }

    /** One row as it is built: its settings, evidence, the findings that make it {@code attention}, and the pass reason. */
    private static final class Row {
        private final Facts facts;
        private final String framework;
        private final String reference;
        private final String title;
        private final String requirement;
        private final List<String> paths;
        private final Map<String, Object> evidence = new LinkedHashMap<>();
        private final List<String> findings = new ArrayList<>();
        private String passReason = "";
        private String cannotSee;

        Row(Facts facts, String framework, String reference, String title, String requirement, List<String> paths) {
            this.facts = facts;
            this.framework = framework;
            this.reference = reference;
            this.title = title;
            this.requirement = requirement;
            this.paths = paths;
        }

        void evidence(String key, Object value) { evidence.put(key, value); }

        void attention(String finding) { findings.add(finding); }

        void pass(String reason) { passReason = reason; }

        void cannotSee(String text) { cannotSee = text; }

        Optional<Object> atEnd(String path) { return facts.policy().atEnd(path); }

        PolicyTimeline.Held held(String path) {
            return facts.policy().during(path);
        }

        /** The largest value a count setting held in the period (today's when none is known). */
        long largest(String path) {
            return held(path).known().stream().mapToLong(v -> ((Number) v).longValue()).max()
                    .orElse(number(facts.policy().atEnd(path)));
        }

        void chainMustVerify() {
            if (!facts.verification().ok()) {
                findings.add(0, "The audit chain does not verify: " + facts.verification().detail()
                        + " Run ./ward audit verify --tenant " + facts.tenant() + " and investigate before relying on the trail.");
            }
        }

        /** Attention when a duration setting held a value above {@code max} during the period, or one not recorded. */
        void atMost(String path, String what, Duration max, String source) {
            PolicyTimeline.Held h = held(path);
            if (h.someUnknown()) {
                findings.add(capital(what) + " (" + path + ") changed during the period to a value the trail did not record.");
            }
            h.known().stream().map(v -> Duration.ofSeconds(((Number) v).longValue())).filter(v -> v.compareTo(max) > 0)
                    .max(Duration::compareTo).ifPresent(v -> findings.add(capital(what) + " was " + words(v)
                            + (h.known().size() > 1 ? " for part of the period" : "") + ", longer than " + words(max)
                            + " (" + source + ")."));
        }

        /** Attention when a count setting held a value above {@code max} during the period, or one not recorded. */
        void atMostCount(String path, String what, long max) {
            PolicyTimeline.Held h = held(path);
            if (h.someUnknown()) {
                findings.add(capital(what) + " (" + path + ") changed during the period to a value the trail did not record.");
            }
            h.known().stream().mapToLong(v -> ((Number) v).longValue()).filter(v -> v > max).max()
                    .ifPresent(v -> findings.add(capital(what) + " were " + v + (h.known().size() > 1 ? " for part of the period" : "")
                            + ", more than " + max + "."));
        }

        /** Attention when a count setting held a value below {@code min} during the period, or one not recorded. */
        void atLeast(String path, String what, long min, String unit, String source) {
            PolicyTimeline.Held h = held(path);
            if (h.someUnknown()) {
                findings.add(capital(what) + " (" + path + ") changed during the period to a value the trail did not record.");
            }
            h.known().stream().mapToLong(v -> ((Number) v).longValue()).filter(v -> v < min).min()
                    .ifPresent(v -> findings.add(capital(what) + " was " + v + " " + unit
                            + (h.known().size() > 1 ? " for part of the period" : "") + ", less than " + min + " " + unit
                            + " (" + source + ")."));
        }

        Control done() {
            Map<String, Object> policy = new LinkedHashMap<>();
            for (String p : paths) {
                policy.put(p, atEnd(p).orElse("not recorded"));
            }
            List<Map<String, Object>> changes = facts.policy().inPeriod(paths).stream().map(c -> c.view(paths)).toList();
            boolean pass = findings.isEmpty();
            return new Control(framework, reference, title, requirement, pass ? PASS : ATTENTION,
                    pass ? passReason : String.join(" ", findings), policy, changes, evidence, cannotSee);
        }
    }

    // --- forms ------------------------------------------------------------------------------------------------------

    /** The JSON form (maps and lists, for any JSON writer). */
    public static Map<String, Object> json(Report r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tenant", r.tenant());
        out.put("tenant_name", r.tenantName());
        out.put("from", r.from().toString());
        out.put("to", r.to().toString());
        out.put("generated_at", r.generatedAt().toString());
        out.put("generated_by", r.generatedBy());
        out.put("policy_version", r.policyVersion());
        out.put("summary", Map.of(PASS, r.count(PASS), ATTENTION, r.count(ATTENTION)));
        out.put("verification", r.verification());
        out.put("policy_history", r.policyHistory());
        List<Map<String, Object>> controls = new ArrayList<>();
        for (Control c : r.controls()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("framework", c.framework());
            m.put("reference", c.reference());
            m.put("title", c.title());
            m.put("requirement", c.requirement());
            m.put("verdict", c.verdict());
            m.put("reason", c.reason());
            m.put("policy", c.policy());
            m.put("policy_changes", c.policyChanges());
            m.put("evidence", c.evidence());
            m.put("ward_cannot_see", c.wardCannotSee());
            controls.add(m);
        }
        out.put("controls", controls);
        return out;
    }

    /** The CSV columns, in order. */
    public static final List<String> CSV_COLUMNS = List.of("tenant", "from", "to", "generated_at", "framework", "reference",
            "control", "verdict", "reason", "policy_in_force", "policy_changes_in_period", "evidence", "ward_cannot_see");

    /**
     * RFC 4180 CSV ({@link ReportCsv}): a header and one record per control, settings and evidence flattened to
     * {@code key=value} pairs separated by {@code "; "} (nested keys joined by dots), policy changes by {@code " | "}.
     */
    public static String csv(Report r) {
        StringBuilder b = new StringBuilder();
        ReportCsv.record(b, CSV_COLUMNS);
        for (Control c : r.controls()) {
            List<String> changes = c.policyChanges().stream().map(ch -> "v" + ch.get("version") + " " + ch.get("at") + " "
                    + ch.get("actor") + ": " + changed(ch.get("settings"))).toList();
            ReportCsv.record(b, List.of(ReportCsv.text(r.tenant()), ReportCsv.plain(r.from()), ReportCsv.plain(r.to()),
                    ReportCsv.plain(r.generatedAt()), ReportCsv.text(c.framework()), ReportCsv.text(c.reference()),
                    ReportCsv.text(c.title()), ReportCsv.text(c.verdict()), ReportCsv.text(c.reason()),
                    ReportCsv.text(pairs(c.policy())), ReportCsv.text(String.join(" | ", changes)),
                    ReportCsv.text(pairs(c.evidence())), ReportCsv.text(c.wardCannotSee())));
        }
        return b.toString();
    }

    /** A change's settings as {@code path: from → to; …} ({@code path: not recorded} where the trail has no values). */
    static String changed(Object settings) {
        if (!(settings instanceof Map<?, ?> m)) {
            return "";
        }
        List<String> out = new ArrayList<>();
        m.forEach((path, v) -> out.add(path + ": " + (v instanceof Map<?, ?> fromTo
                ? fromTo.get("from") + " \u2192 " + fromTo.get("to") : String.valueOf(v))));
        return String.join("; ", out);
    }

    /** {@code key=value; key=value}: nested maps by dotted keys, lists in brackets. */
    static String pairs(Object value) {
        List<String> out = new ArrayList<>();
        flatten("", value, (k, v) -> out.add(k + "=" + v));
        return String.join("; ", out);
    }

    /** Each leaf of nested maps with its dotted key; lists as {@code [a, b]}, null and empty maps as {@code (none)}. */
    private static void flatten(String prefix, Object value, java.util.function.BiConsumer<String, String> out) {
        if (value instanceof Map<?, ?> m) {
            if (m.isEmpty() && !prefix.isEmpty()) {
                out.accept(prefix, "(none)");
            }
            m.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out));
        } else if (value instanceof Collection<?> c) {
            out.accept(prefix, "[" + c.stream().map(String::valueOf).collect(Collectors.joining(", ")) + "]");
        } else {
            out.accept(prefix, value == null ? "(none)" : String.valueOf(value));
        }
    }

    /**
     * The printable page ({@link ReportHtml}): the header block, a summary table of every row's verdict and reason, then
     * each control on its own printed page with its requirement, verdict, reason, what Ward cannot see, the policy in
     * force, its changes in the period and the evidence; last, the period's policy history.
     */
    public static void html(Report r, Appendable out) {
        ReportHtml.Badge verified = r.verification().get("ok") == Boolean.TRUE
                ? ReportHtml.badge(ReportHtml.Verdict.PASS, "verifies")
                : ReportHtml.badge(ReportHtml.Verdict.ATTENTION, "does not verify");
        ReportHtml html = ReportHtml.begin(out, "Compliance report: " + r.tenantName(),
                ReportHtml.term("Tenant", r.tenantName() + " (" + r.tenant() + ")"),
                ReportHtml.term("Period", r.from() + " to " + r.to() + " (end excluded)"),
                ReportHtml.term("Generated", r.generatedAt()),
                ReportHtml.term("Generated by", r.generatedBy()),
                ReportHtml.term("Policy version", r.policyVersion()),
                ReportHtml.term("Audit chain", verified),
                ReportHtml.term("Verdicts", r.count(PASS) + " pass, " + r.count(ATTENTION) + " attention"));
        html.section("Summary", false)
                .paragraph("Each row is a HIPAA §164.312 technical safeguard or an ONC §170.315(d) criterion. A row passes only "
                        + "on evidence; 'attention' says what to look at. Counts are from the period's audit trail; the chain "
                        + "verification, key ages, MFA enrolment, open reviews and deployment settings are as of the time the "
                        + "report was generated.");
        ReportHtml.Table summary = html.table("Verdict per control", "Control", "Verdict", "Reason");
        for (Control c : r.controls()) {
            summary.row(c.framework() + " " + c.reference() + " " + c.title(), badge(c), c.reason());
        }
        summary.end("No control.");
        for (Control c : r.controls()) {
            html.section(c.framework() + " " + c.reference() + " " + c.title(), true)
                    .definitions(ReportHtml.term("Requirement", c.requirement()), ReportHtml.term("Verdict", badge(c)),
                            ReportHtml.term("Reason", c.reason()), ReportHtml.term("Ward cannot see", c.wardCannotSee()));
            ReportHtml.Table policy = html.table("Policy in force at the end of the period", "Setting", "Value");
            flatten("", c.policy(), (k, v) -> policy.row(k, v));
            policy.end("No tenant setting bears on this control.");
            changesTable(html, "Changes to these settings in the period", c.policyChanges());
            ReportHtml.Table evidence = html.table("Evidence", "Item", "Value");
            flatten("", c.evidence(), (k, v) -> evidence.row(k.replace('_', ' '), v));
            evidence.end("No evidence.");
        }
        html.section("Policy history in the period", true);
        changesTable(html, "Every change of the tenant's policy in the period", r.policyHistory());
        html.end();
    }

    private static void changesTable(ReportHtml html, String caption, List<Map<String, Object>> changes) {
        ReportHtml.Table t = html.table(caption, "Version", "At", "By", "Settings changed");
        for (Map<String, Object> ch : changes) {
            t.row(ch.get("version"), Instant.parse((String) ch.get("at")), ch.get("actor"), changed(ch.get("settings")));
        }
        t.end("No change in the period.");
    }

    private static ReportHtml.Badge badge(Control c) {
        return c.verdict().equals(PASS) ? ReportHtml.badge(ReportHtml.Verdict.PASS) : ReportHtml.badge(ReportHtml.Verdict.ATTENTION);
    }
}
