package dev.ward.fhir;

import dev.ward.audit.AuditEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Audit events for the tests: the one place that constructs {@link AuditEvent}. */
final class AuditEvents {
    static final Instant AT = Instant.parse("2026-11-22T10:00:00.123Z");

    /** Every type Ward writes today (grep AuditEntry.of) and those API.md announces. */
    static final List<String> WARD_TYPES = List.of(
            "account.locked", "account.password_change_failed", "account.password_changed", "account.unlocked",
            "admin.api_key_created", "admin.api_key_revoked", "admin.tenant_created", "admin.tenant_policy_updated",
            "admin.user_created", "admin.user_disabled", "admin.user_enabled", "admin.user_roles_changed",
            "crypto.usage", "key.created", "key.destroyed", "key.rotated",
            "login.failed", "login.mfa_required", "login.succeeded",
            "mfa.backup_code_used", "mfa.backup_codes_regenerated", "mfa.disabled", "mfa.enrolled", "mfa.enrollment_started",
            "mfa.failed", "mfa.replayed", "mfa.reset", "mfa.verified",
            "security.cross_tenant_denied", "access.denied",
            "session.aal_changed", "session.binding_changed", "session.created", "session.expired", "session.limit_reached",
            "session.jwt_issued", "session.scope_denied", "session.revoked", "session.rotated",
            "signing_key.created", "signing_key.rotated",
            "patient.opened", "patient.data_read", "patient.data_written", "patient.cleared", "patient.break_glass",
            "patient.closed", "patient.restricted", "patient.unrestricted", "patient.access_denied",
            "patient.break_glass_reviewed", "patient.break_glass_ended", "alert.raised", "alert.acknowledged", "alert.responded", "alert.pruned", "audit.checkpoint", "audit.pruned", "audit.log_started", "audit.log_stopped",
            "audit.verified", "audit.searched", "audit.exported", "audit.key_created", "audit.key_rotated");

    private AuditEvents() {}

    static AuditEvent event(long seq, String type, String outcome, String actor, String userId, String sessionId,
                            String patientId, String ip, Map<String, Object> details) {
        return new AuditEvent(seq, AT, "st-marys", type, outcome, actor, userId, sessionId, patientId, ip, details,
                dev.ward.audit.AuditChain.GENESIS, "ab".repeat(32));
    }

    /** A plausible event of type: the user and session of a clinician, a patient where the type concerns one. */
    static AuditEvent typical(long seq, String type) {
        boolean patient = type.startsWith("patient.") || type.startsWith("app.");
        String outcome = switch (type) {
            case "login.failed", "mfa.failed", "account.locked", "account.password_change_failed" -> "failure";
            case "security.cross_tenant_denied", "access.denied", "mfa.replayed", "session.limit_reached", "session.scope_denied" -> "denied";
            default -> "success";
        };
        String actor = type.startsWith("admin.") || type.startsWith("key.") ? "user:usr_admin1" : null;
        Map<String, Object> details = type.equals("patient.break_glass")
                ? Map.of("reason", "Unconscious patient in ED, allergy history needed", "reason_code", "emergency")
                : Map.of("reason", "logout", "method", "totp");
        return event(seq, type, outcome, actor, "usr_4f2a9c", "ses_91b0d7", patient ? "p-1234" : null, "203.0.113.7", details);
    }
}
