package dev.ward.fhir;

import dev.ward.audit.AuditEvent;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentNetworkComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentNetworkType;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityDetailComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventSourceComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;

/**
 * A Ward audit event as a FHIR R4 {@code AuditEvent}, coded as DICOM PS3.15 prescribes (see {@link EventCoding})
 * and following IHE BALP's minimal pattern: identifiers only (user, session, API key, patient, Ward's own record),
 * never names or payloads. Of the event's details only known, coded keys with short token values are copied;
 * free text (a break-glass reason, for one) never leaves.
 *
 * <p>No BALP profile is claimed in {@code meta.profile}: BALP's patient profiles (PatientRead, PatientCreate, ...)
 * fix {@code type} to the FHIR {@code rest} code and require a client agent, a server agent with network
 * addresses and a data entity naming the resource that was read or written. Ward records that a user opened or
 * read a patient's data through an application; it knows the patient, not the resource, so claiming those
 * profiles would assert what it does not know. docs/operations.md says so.
 */
public final class FhirAuditEvent {
    static final String EVENT_TYPE_SYSTEM = "urn:ward:audit-event-type";
    static final String USER_IDS = "urn:ward:user";
    static final String API_KEY_IDS = "urn:ward:api-key";
    static final String ACTOR_IDS = "urn:ward:actor";
    static final String NODE_IDS = "urn:ward:node";
    static final String RECORD_IDS = "urn:ward:audit-trail:";

    private static final String OUTCOME = "http://hl7.org/fhir/audit-event-outcome";
    private static final String ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";
    private static final String SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type";
    private static final String ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

    /** FHIR's id datatype: a patient id that fits becomes {@code Patient/{id}}, any other an identifier. */
    private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    /** Detail values copied only when they look like codes: never sentences, never anything long. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.:@+-]{1,80}");
    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");
    /**
     * Detail keys whose values are Ward's own codes, counts or identifiers. {@code reason} is free text on a
     * break-glass event and is never copied there.
     */
    private static final List<String> CODED_DETAILS = List.of("reason", "reason_code", "method", "stage", "aal", "policy",
            "version", "previous_version", "kid", "api_key_id", "failures", "lockout_number", "limit", "remaining",
            "backup_codes", "had_mfa", "by_session", "target_tenant", "session_tenant", "operation", "policy_version",
            "idle", "ip_changed", "user_agent_changed", "bootstrap", "action", "break_glass", "break_glass_id", "ended_by");

    private FhirAuditEvent() {}

    /**
     * The resource for one event. {@code node} names the Ward node that reports it (its host name); {@code chainHash}
     * is the event's hash in its tenant's chain, or null where the trail holds none.
     */
    public static org.hl7.fhir.r4.model.AuditEvent of(AuditEvent e, String chainHash, String node) {
        boolean hasPatient = e.patientId() != null && !e.patientId().isBlank();
        EventCoding coding = EventCoding.of(e.type(), hasPatient, e.details());
        var r = new org.hl7.fhir.r4.model.AuditEvent();
        r.setType(coding.type().copy());
        coding.subtypes().forEach(s -> r.addSubtype(s.copy()));
        r.addSubtype(new Coding(EVENT_TYPE_SYSTEM, TYPE.matcher(e.type()).matches() ? e.type() : "unknown", null));
        r.setAction(AuditEventAction.fromCode(coding.action()));
        r.setRecorded(Date.from(e.at()));
        r.setOutcome(outcome(e.outcome()));
        if (coding.kind() == EventCoding.Kind.EMERGENCY) {
            r.addPurposeOfEvent(new CodeableConcept(new Coding(ACT_REASON, "ETREAT", "Emergency Treatment")));
            r.addPurposeOfEvent(new CodeableConcept(new Coding(ACT_REASON, "BTG", "break the glass")));
        }
        agents(r, e, node);
        r.setSource(new AuditEventSourceComponent()
                .setSite(e.tenant())
                .setObserver(nodeReference(node))
                .addType(new Coding(SOURCE_TYPE, "4", "Application Server")));
        if (hasPatient) {
            r.addEntity(patient(e.patientId()));
        }
        if (coding.kind() == EventCoding.Kind.USER_SECURITY && e.userId() != null) {
            // DICOM: the user whose security attributes changed is a participant object (Person, Security User).
            r.addEntity(new AuditEventEntityComponent()
                    .setWhat(identified(USER_IDS, e.userId()))
                    .setType(new Coding(ENTITY_TYPE, "1", "Person"))
                    .setRole(new Coding(OBJECT_ROLE, "11", "Security User Entity")));
        }
        r.addEntity(wardRecord(e, chainHash, coding));
        return r;
    }

    private static AuditEventOutcome outcome(String outcome) {
        return switch (outcome == null ? "" : outcome) {
            case "success" -> AuditEventOutcome._0;
            // A refusal ends the action (DICOM "serious failure"); a plain failure may be retried ("minor").
            case "denied" -> AuditEventOutcome._8;
            default -> AuditEventOutcome._4;
        };
    }

    /**
     * One requestor: the actor where someone other than the user acted (an admin, an API key, the operator),
     * else the user, else the address a refused anonymous login came from, else Ward itself. The user is an
     * agent whenever the event names one; Ward is always there as the source (DICOM "Source Role ID").
     */
    private static void agents(org.hl7.fhir.r4.model.AuditEvent r, AuditEvent e, String node) {
        String actor = e.actor();
        boolean byWard = "system".equals(actor);
        boolean byOther = actor != null && !byWard && !actor.equals("user:" + e.userId());
        boolean byUser = !byWard && !byOther && e.userId() != null;
        boolean byAddress = !byWard && !byOther && !byUser && e.ip() != null;
        if (byOther) {
            AuditEventAgentComponent requestor = new AuditEventAgentComponent().setRequestor(true);
            if (actor.startsWith("user:")) {
                requestor.setWho(identified(USER_IDS, actor.substring("user:".length())));
            } else if (actor.startsWith("api_key:")) {
                requestor.setWho(identified(API_KEY_IDS, actor.substring("api_key:".length())));
                requestor.setType(new CodeableConcept(new Coding(EventCoding.DCM, "110150", "Application")));
            } else {
                requestor.setWho(identified(ACTOR_IDS, TOKEN.matcher(actor).matches() ? actor : "unknown"));
            }
            r.addAgent(withAddress(requestor, e.ip()));
        }
        if (e.userId() != null) {
            AuditEventAgentComponent user = new AuditEventAgentComponent()
                    .setWho(identified(USER_IDS, e.userId()))
                    .setRequestor(byUser);
            if (e.sessionId() != null) {
                // BALP's OAuth minimal pattern keeps the token's id in agent.policy; Ward's session id is its equivalent.
                user.addPolicy(e.sessionId());
            }
            r.addAgent(byUser ? withAddress(user, e.ip()) : user);
        }
        if (byAddress) {
            r.addAgent(withAddress(new AuditEventAgentComponent().setRequestor(true), e.ip()));
        }
        r.addAgent(new AuditEventAgentComponent()
                .setType(new CodeableConcept(new Coding(EventCoding.DCM, "110153", "Source Role ID")))
                .setWho(nodeReference(node))
                .setRequestor(!byOther && !byUser && !byAddress)
                .setNetwork(new AuditEventAgentNetworkComponent()
                        .setAddress(node).setType(AuditEventAgentNetworkType._1)));
    }

    private static AuditEventAgentComponent withAddress(AuditEventAgentComponent agent, String ip) {
        if (ip != null) {
            agent.setNetwork(new AuditEventAgentNetworkComponent()
                    .setAddress(ip).setType(AuditEventAgentNetworkType._2));
        }
        return agent;
    }

    /** BALP's patient entity: audit-entity-type 1 (Person), object-role 1 (Patient), what = Patient/{id}. */
    private static AuditEventEntityComponent patient(String patientId) {
        Reference what = FHIR_ID.matcher(patientId).matches()
                ? new Reference("Patient/" + patientId)
                : new Reference().setType("Patient").setIdentifier(new Identifier().setValue(patientId));
        return new AuditEventEntityComponent()
                .setWhat(what)
                .setType(new Coding(ENTITY_TYPE, "1", "Person"))
                .setRole(new Coding(OBJECT_ROLE, "1", "Patient"));
    }

    /**
     * Ward's own record of the event: its tenant and position in the tenant's trail (so a receiver can find
     * gaps and duplicates), the chain hash where there is one, and the coded details.
     */
    private static AuditEventEntityComponent wardRecord(AuditEvent e, String chainHash, EventCoding coding) {
        AuditEventEntityComponent entity = new AuditEventEntityComponent()
                .setWhat(new Reference().setIdentifier(new Identifier()
                        .setSystem(RECORD_IDS + e.tenant()).setValue(Long.toString(e.seq()))))
                .setType(new Coding(ENTITY_TYPE, "2", "System Object"));
        if (chainHash != null) {
            entity.addDetail(detail("hash", chainHash));
        }
        Map<String, Object> details = e.details();
        for (String key : CODED_DETAILS) {
            if (key.equals("reason") && coding.kind() == EventCoding.Kind.EMERGENCY) {
                continue;
            }
            Object value = details.get(key);
            if (value instanceof Boolean || value instanceof Number
                    || (value instanceof String s && TOKEN.matcher(s).matches())) {
                entity.addDetail(detail(key, value.toString()));
            }
        }
        return entity;
    }

    private static AuditEventEntityDetailComponent detail(String type, String value) {
        return new AuditEventEntityDetailComponent().setType(type).setValue(new org.hl7.fhir.r4.model.StringType(value));
    }

    private static Reference identified(String system, String value) {
        return new Reference().setIdentifier(new Identifier().setSystem(system).setValue(value));
    }

    private static Reference nodeReference(String node) {
        return new Reference().setIdentifier(new Identifier().setSystem(NODE_IDS).setValue(node)).setDisplay("Ward");
    }
}
