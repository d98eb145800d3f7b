package dev.ward.fhir;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Coding;

/**
 * How each Ward audit event type is coded in a FHIR R4 {@code AuditEvent}: the DICOM PS3.15 / PS3.16
 * event ID (CID 400) as {@code type}, the event type code (CID 401, 403) as {@code subtype}, and the
 * action. The table is the one place that knows Ward's type names; {@link FhirAuditEvent} only applies it.
 */
record EventCoding(Coding type, List<Coding> subtypes, String action, Kind kind) {

    /** What else the resource carries besides the codes. */
    enum Kind {
        /** Logins, logouts and the steps of authentication. */
        AUTHENTICATION,
        /** Access to one patient's record: a patient entity is required. */
        PATIENT,
        /** Break-glass: a patient entity and the emergency purpose of use. */
        EMERGENCY,
        /** A change to a user's security attributes: the user is the object, not (only) an agent. */
        USER_SECURITY,
        /** Everything else: the codes and the Ward record entity. */
        OTHER
    }

    static final String DCM = "http://dicom.nema.org/resources/ontology/DCM";
    static final String ACTION_EXECUTE = "E";
    private static final Set<String> ACTIONS = Set.of("C", "R", "U", "D", "E");

    // DICOM PS3.16 CID 400 (Audit Event ID).
    static final Coding APPLICATION_ACTIVITY = dcm("110100", "Application Activity");
    static final Coding AUDIT_LOG_USED = dcm("110101", "Audit Log Used");
    static final Coding PATIENT_RECORD = dcm("110110", "Patient Record");
    static final Coding SECURITY_ALERT = dcm("110113", "Security Alert");
    static final Coding USER_AUTHENTICATION = dcm("110114", "User Authentication");

    // CID 401 (Audit Event Type Code) and CID 403 (Security Alert Type Code). Note the DICOM order:
    // 110133 is "Audit Recording Stopped" and 110134 "Audit Recording Started".
    static final Coding LOGIN = dcm("110122", "Login");
    static final Coding LOGOUT = dcm("110123", "Logout");
    static final Coding EMERGENCY_OVERRIDE_STARTED = dcm("110127", "Emergency Override Started");
    static final Coding SECURITY_CONFIGURATION = dcm("110129", "Security Configuration");
    static final Coding USE_OF_RESTRICTED_FUNCTION = dcm("110132", "Use of Restricted Function");
    static final Coding AUDIT_RECORDING_STOPPED = dcm("110133", "Audit Recording Stopped");
    static final Coding AUDIT_RECORDING_STARTED = dcm("110134", "Audit Recording Started");
    static final Coding SECURITY_ROLES_CHANGED = dcm("110136", "Security Roles Changed");
    static final Coding USER_SECURITY_ATTRIBUTES_CHANGED = dcm("110137", "User Security Attributes Changed");
    static final Coding EMERGENCY_OVERRIDE_STOPPED = dcm("110138", "Emergency Override Stopped");

    private static final EventCoding LOGIN_EVENT = of(USER_AUTHENTICATION, LOGIN, Kind.AUTHENTICATION);
    private static final EventCoding LOGOUT_EVENT = of(USER_AUTHENTICATION, LOGOUT, Kind.AUTHENTICATION);
    private static final EventCoding SESSION_EVENT = new EventCoding(USER_AUTHENTICATION, List.of(), ACTION_EXECUTE, Kind.AUTHENTICATION);
    private static final EventCoding USER_ATTRIBUTES = of(SECURITY_ALERT, USER_SECURITY_ATTRIBUTES_CHANGED, Kind.USER_SECURITY);
    private static final EventCoding CONFIGURATION = of(SECURITY_ALERT, SECURITY_CONFIGURATION, Kind.OTHER);

    private static final Map<String, EventCoding> BY_TYPE = Map.ofEntries(
            // A login is one attempt at user authentication, whatever its outcome; MFA is a step of the same login.
            Map.entry("login.succeeded", LOGIN_EVENT),
            Map.entry("login.failed", LOGIN_EVENT),
            Map.entry("login.mfa_required", LOGIN_EVENT),
            Map.entry("mfa.verified", LOGIN_EVENT),
            Map.entry("mfa.failed", LOGIN_EVENT),
            Map.entry("mfa.replayed", LOGIN_EVENT),
            Map.entry("mfa.backup_code_used", LOGIN_EVENT),
            Map.entry("session.limit_reached", LOGIN_EVENT),
            // Every end of a session is the user's logout, whoever ended it (the reason says who or why).
            Map.entry("session.revoked", LOGOUT_EVENT),
            Map.entry("session.expired", LOGOUT_EVENT),
            // Session life between login and logout: user authentication, no DICOM subtype fits.
            Map.entry("session.created", SESSION_EVENT),
            Map.entry("session.rotated", SESSION_EVENT),
            Map.entry("session.aal_changed", SESSION_EVENT),
            // A short-lived bearer credential derived from the session was handed to its holder.
            Map.entry("session.jwt_issued", SESSION_EVENT),
            Map.entry("session.binding_changed", new EventCoding(SECURITY_ALERT, List.of(), ACTION_EXECUTE, Kind.AUTHENTICATION)),
            Map.entry("account.locked", USER_ATTRIBUTES),
            Map.entry("account.unlocked", USER_ATTRIBUTES),
            Map.entry("account.password_changed", USER_ATTRIBUTES),
            Map.entry("account.password_change_failed", USER_ATTRIBUTES),
            Map.entry("mfa.enrollment_started", USER_ATTRIBUTES),
            Map.entry("mfa.enrolled", USER_ATTRIBUTES),
            Map.entry("mfa.disabled", USER_ATTRIBUTES),
            Map.entry("mfa.reset", USER_ATTRIBUTES),
            Map.entry("mfa.backup_codes_regenerated", USER_ATTRIBUTES),
            Map.entry("admin.user_created", USER_ATTRIBUTES),
            Map.entry("admin.user_disabled", USER_ATTRIBUTES),
            Map.entry("admin.user_enabled", USER_ATTRIBUTES),
            Map.entry("admin.user_roles_changed", of(SECURITY_ALERT, SECURITY_ROLES_CHANGED, Kind.USER_SECURITY)),
            Map.entry("admin.api_key_created", CONFIGURATION),
            Map.entry("admin.api_key_revoked", CONFIGURATION),
            Map.entry("admin.tenant_created", CONFIGURATION),
            Map.entry("admin.tenant_policy_updated", CONFIGURATION),
            Map.entry("key.created", CONFIGURATION),
            Map.entry("key.rotated", CONFIGURATION),
            Map.entry("key.destroyed", CONFIGURATION),
            Map.entry("signing_key.created", CONFIGURATION),
            Map.entry("signing_key.rotated", CONFIGURATION),
            Map.entry("security.cross_tenant_denied", of(SECURITY_ALERT, USE_OF_RESTRICTED_FUNCTION, Kind.OTHER)),
            // A session confined to MFA enrolment refused anything else: an attempt at a function it may not use.
            Map.entry("session.scope_denied", of(SECURITY_ALERT, USE_OF_RESTRICTED_FUNCTION, Kind.OTHER)),
            // A validation whose require the session's roles do not grant (policy permissions, C10).
            Map.entry("access.denied", of(SECURITY_ALERT, USE_OF_RESTRICTED_FUNCTION, Kind.OTHER)),
            Map.entry("alert.raised", new EventCoding(SECURITY_ALERT, List.of(), ACTION_EXECUTE, Kind.OTHER)),
            // Ward's own response to an alert (detect.response): what it did is in account.locked / session.revoked.
            Map.entry("alert.responded", new EventCoding(SECURITY_ALERT, List.of(), ACTION_EXECUTE, Kind.OTHER)),
            Map.entry("crypto.usage", new EventCoding(APPLICATION_ACTIVITY, List.of(), ACTION_EXECUTE, Kind.OTHER)),
            Map.entry("patient.opened", patient("R")),
            Map.entry("patient.data_read", patient("R")),
            Map.entry("patient.data_written", patient("U")),
            // Clearing and closing act on the workstation's copy and the context, not on the record itself.
            Map.entry("patient.cleared", patient(ACTION_EXECUTE)),
            Map.entry("patient.closed", patient(ACTION_EXECUTE)),
            Map.entry("patient.break_glass", new EventCoding(SECURITY_ALERT, List.of(EMERGENCY_OVERRIDE_STARTED), ACTION_EXECUTE, Kind.EMERGENCY)),
            // Written once per break, whatever ended it (close, clear, expiry seen by a call or by the sweep).
            Map.entry("patient.break_glass_ended", new EventCoding(SECURITY_ALERT, List.of(EMERGENCY_OVERRIDE_STOPPED), ACTION_EXECUTE, Kind.EMERGENCY)),
            // Restricting a patient configures who may see the record; a refusal is the use of a restricted function.
            Map.entry("patient.restricted", CONFIGURATION),
            Map.entry("patient.unrestricted", CONFIGURATION),
            Map.entry("patient.access_denied", of(SECURITY_ALERT, USE_OF_RESTRICTED_FUNCTION, Kind.OTHER)),
            Map.entry("patient.break_glass_reviewed", new EventCoding(SECURITY_ALERT, List.of(), ACTION_EXECUTE, Kind.OTHER)),
            Map.entry("alert.acknowledged", new EventCoding(SECURITY_ALERT, List.of(), ACTION_EXECUTE, Kind.OTHER)),
            // Retention of alerts and their deliveries (audit.retention_days), as audit.pruned is the trail's.
            Map.entry("alert.pruned", new EventCoding(SECURITY_ALERT, List.of(), "D", Kind.OTHER)),
            Map.entry("audit.checkpoint", new EventCoding(AUDIT_LOG_USED, List.of(), "C", Kind.OTHER)),
            Map.entry("audit.pruned", new EventCoding(AUDIT_LOG_USED, List.of(), "D", Kind.OTHER)),
            // Verifying reads the whole log; the checkpoint signing key is security configuration.
            Map.entry("audit.verified", new EventCoding(AUDIT_LOG_USED, List.of(), "R", Kind.OTHER)),
            Map.entry("audit.searched", new EventCoding(AUDIT_LOG_USED, List.of(), "R", Kind.OTHER)),
            Map.entry("audit.exported", new EventCoding(AUDIT_LOG_USED, List.of(), "R", Kind.OTHER)),
            Map.entry("audit.key_created", CONFIGURATION),
            Map.entry("audit.key_rotated", CONFIGURATION),
            Map.entry("audit.log_started", of(SECURITY_ALERT, AUDIT_RECORDING_STARTED, Kind.OTHER)),
            Map.entry("audit.log_stopped", of(SECURITY_ALERT, AUDIT_RECORDING_STOPPED, Kind.OTHER)));

    /** The types named in the table (the rest are app events or unknown). */
    static Set<String> knownTypes() { return BY_TYPE.keySet(); }

    /**
     * The coding of one event. The emergency override ends with {@code patient.break_glass_ended} alone (a
     * {@code patient.closed} of a break-glass context is followed by it, so it is not coded as the end too); app events ({@code app.*}) are patient record access when they name a patient
     * (action from their {@code action} detail, C/R/U/D/E, else E) and application activity otherwise; an unknown
     * type is application activity, so a new type is exported rather than dropped.
     */
    static EventCoding of(String type, boolean hasPatient, Map<String, Object> details) {
        EventCoding known = BY_TYPE.get(type);
        if (known != null) {
            return known;
        }
        String action = details.get("action") instanceof String a && ACTIONS.contains(a) ? a : ACTION_EXECUTE;
        if (type.startsWith("app.") && hasPatient) {
            return patient(action);
        }
        return new EventCoding(APPLICATION_ACTIVITY, List.of(), action, Kind.OTHER);
    }

    private static EventCoding of(Coding type, Coding subtype, Kind kind) {
        return new EventCoding(type, List.of(subtype), ACTION_EXECUTE, kind);
    }

    private static EventCoding patient(String action) {
        return new EventCoding(PATIENT_RECORD, List.of(), action, Kind.PATIENT);
    }

    private static Coding dcm(String code, String display) {
        return new Coding(DCM, code, display);
    }
}
