package dev.ward.audit;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.problem.ProblemException;
import dev.ward.user.UserStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Events an app records in its tenant's trail (C7: "apps can append their own PHI-access events to the same chain"),
 * through an API key with scope {@code audit}. Their types live under {@code app.} so they can never pass for Ward's
 * own; a type under {@code app.patient.} records access to a patient's data and needs the patient's id.
 */
public final class AppEvents {
    public static final String PREFIX = "app.";
    static final String PATIENT_PREFIX = "app.patient.";
    private static final Pattern TYPE = Pattern.compile("app\\.[a-z][a-z0-9_]{0,31}(\\.[a-z][a-z0-9_]{0,31}){0,3}");
    /** Every patient id Ward records: patient contexts' ({@code [A-Za-z0-9._:-]}) and apps' (which may add {@code /}). */
    static final Pattern PATIENT_ID = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");
    /** Bytes of canonical JSON an app event's details may take: identifiers and codes, never a record's contents. */
    static final int MAX_DETAILS = 4096;
    /** FHIR's create/read/update/delete, for the verbs an {@code app.patient.*} type commonly ends in (BALP's interactions). */
    private static final Map<String, String> ACTIONS = Map.of("create", "C", "read", "R", "search", "R", "view", "R",
            "update", "U", "delete", "D");

    private final UserStore users;
    private final AuditTrail audit;

    public AppEvents(UserStore users, AuditTrail audit) {
        this.users = users;
        this.audit = audit;
    }

    /** The caller must hold scope {@code audit}; checked before its request is read. */
    public void requireRecorder(Actor.ApiKey app) {
        if (!app.has(Scope.AUDIT)) {
            throw ProblemException.insufficientScope(Scope.AUDIT.wire());
        }
    }

    /** Records the event in the key's tenant and answers its position in the chain (durable once answered). */
    public long record(Actor.ApiKey app, String type, String userId, String patientId, Map<String, Object> details) {
        requireRecorder(app);
        if (!TYPE.matcher(type).matches()) {
            throw ProblemException.validation("type", "type must be app.<name>[.<name>…]: lowercase letters, digits and _, "
                    + "at most five parts (e.g. app.patient.read, app.report.printed)");
        }
        boolean patientAccess = type.startsWith(PATIENT_PREFIX);
        if (patientId != null && !PATIENT_ID.matcher(patientId).matches()) {
            throw ProblemException.validation("patient_id", "patient_id must be 1-128 characters of letters, digits and ._:/-");
        }
        if (patientAccess && patientId == null) {
            throw ProblemException.validation("patient_id", "patient_id is required for " + PATIENT_PREFIX + "* events");
        }
        if (userId != null && users.find(app.tenant(), userId).isEmpty()) {
            throw ProblemException.notFound("user_not_found", "user_id names no user of this tenant.");
        }
        Map<String, Object> all = new LinkedHashMap<>(details);
        String canonical;
        try {
            canonical = CanonicalJson.write(all);
        } catch (IllegalArgumentException e) {
            throw ProblemException.validation("details", "details may hold strings, integers, booleans, arrays and objects "
                    + "(no fractions: send them as strings)");
        }
        if (canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_DETAILS) {
            throw ProblemException.validation("details", "details are limited to " + MAX_DETAILS + " bytes: identifiers and codes, "
                    + "never a record's contents");
        }
        if (patientAccess && !all.containsKey("action")) {
            String verb = type.substring(type.lastIndexOf('.') + 1);
            String action = ACTIONS.get(verb);
            if (action != null) {
                all.put("action", action);
            }
        }
        return audit.record(AuditEntry.of(app.tenant(), type).actor(app).user(userId).patient(patientId)
                .details(all).build());
    }
}
