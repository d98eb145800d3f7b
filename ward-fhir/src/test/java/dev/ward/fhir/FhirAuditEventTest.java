package dev.ward.fhir;

import static dev.ward.fhir.AuditEvents.event;
import static dev.ward.fhir.AuditEvents.typical;
import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FhirAuditEventTest {
    private static final String NODE = "ward-1.example.org";
    private static R4Validator validator;

    @BeforeAll
    static void specification() {
        validator = new R4Validator();
    }

    private static AuditEvent fhir(dev.ward.audit.AuditEvent e) {
        return FhirAuditEvent.of(e, "9f2c4e".repeat(10) + "abcd", NODE);
    }

    /** Every type, current and announced, an app event with and without a patient, and a type nobody knows yet. */
    private static List<dev.ward.audit.AuditEvent> everyType() {
        List<dev.ward.audit.AuditEvent> all = new ArrayList<>();
        long seq = 1;
        for (String type : AuditEvents.WARD_TYPES) {
            all.add(typical(seq++, type));
        }
        all.add(event(seq++, "patient.closed", "success", null, "usr_4f2a9c", "ses_91b0d7", "p-1234", "203.0.113.7",
                Map.of("break_glass", true)));
        all.add(event(seq++, "app.chart_viewed", "success", "api_key:key_ehr", "usr_4f2a9c", null, "p-1234", "198.51.100.4",
                Map.of("action", "R")));
        all.add(event(seq++, "app.order_signed", "success", "api_key:key_ehr", "usr_4f2a9c", null, "MRN 0042/7", null,
                Map.of("action", "C")));
        all.add(event(seq++, "app.report_printed", "success", "api_key:key_ehr", "usr_4f2a9c", null, null, null, Map.of()));
        all.add(event(seq++, "login.failed", "failure", null, null, null, null, "203.0.113.9", Map.of("reason", "unknown_user")));
        all.add(event(seq++, "crypto.usage", "success", "system", null, null, null, null, Map.of("counts", Map.of("seal", 4))));
        all.add(event(seq++, "admin.tenant_created", "success", "operator", null, null, null, null, Map.of("tenant", "st-marys")));
        all.add(event(seq, "detect.something_new", "mystery", null, null, null, null, null, Map.of()));
        return all;
    }

    @Test
    void everyEventTypePassesTheR4ValidatorWithoutErrors() {
        Map<String, List<R4Validator.Issue>> warnings = new LinkedHashMap<>();
        for (dev.ward.audit.AuditEvent e : everyType()) {
            List<R4Validator.Issue> issues = validator.validate(fhir(e));
            assertThat(R4Validator.errors(issues)).as(e.type()).isEmpty();
            if (!issues.isEmpty()) {
                warnings.put(e.type(), issues);
            }
        }
        warnings.forEach((type, issues) -> issues.forEach(i -> System.out.println("validator " + type + ": " + i)));
        // The only warnings allowed: Ward's own type code beside the DICOM one (outside the extensible value set,
        // as any local code is) and dom-6 (no narrative: an audit record carries no human-readable text on purpose).
        assertThat(warnings.values().stream().flatMap(List::stream).map(R4Validator.Issue::message))
                .allMatch(m -> m.contains(FhirAuditEvent.EVENT_TYPE_SYSTEM) || m.startsWith("dom-6"));
    }

    @Test
    void aBundleOfEveryTypePassesTheR4ValidatorWithoutErrors() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FhirAuditExport(NODE).writeBundle(everyType().iterator(), out);
        Bundle bundle = FhirContext.forR4().newJsonParser().parseResource(Bundle.class, out.toString(StandardCharsets.UTF_8));

        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.COLLECTION);
        assertThat(bundle.getEntry()).hasSize(everyType().size());
        assertThat(R4Validator.errors(validator.validate(bundle))).isEmpty();
    }

    @Test
    void anEmptyExportIsABundleWithoutEntries() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new FhirAuditExport(NODE).writeBundle(List.<dev.ward.audit.AuditEvent>of().iterator(), out);

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"resourceType\":\"Bundle\",\"type\":\"collection\"}");
        Bundle bundle = FhirContext.forR4().newJsonParser().parseResource(Bundle.class, out.toString(StandardCharsets.UTF_8));
        assertThat(R4Validator.errors(validator.validate(bundle))).isEmpty();
    }

    @Test
    void theValidatorFindsWhatIsWrong() {
        AuditEvent broken = fhir(typical(1, "login.succeeded"));
        broken.getAgent().clear();
        broken.getType().setCode("110114").setDisplay("User Authentication");
        broken.getEntity().get(0).setName("n").setQuery("cXVlcnk=".getBytes(StandardCharsets.UTF_8));
        broken.getSource().addType(new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Web Server"));

        assertThat(R4Validator.errors(validator.validate(broken)))
                .extracting(R4Validator.Issue::message)
                .anyMatch(m -> m.startsWith("cardinality 0 outside 1..*"))
                .anyMatch(m -> m.startsWith("sev-1"))
                .anyMatch(m -> m.contains("should be 'Application Server'"));
    }

    @Test
    void loginAndLogoutAreUserAuthenticationWithTheUserAsRequestorAndWardAsSource() {
        AuditEvent login = fhir(typical(1, "login.succeeded"));
        assertThat(codes(login.getType())).isEqualTo("DCM#110114");
        assertThat(login.getSubtype()).extracting(Coding::getCode).contains("110122", "login.succeeded");
        assertThat(login.getAction()).isEqualTo(AuditEvent.AuditEventAction.E);
        assertThat(login.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
        AuditEvent.AuditEventAgentComponent user = login.getAgent().get(0);
        assertThat(user.getRequestor()).isTrue();
        assertThat(user.getWho().getIdentifier().getValue()).isEqualTo("usr_4f2a9c");
        assertThat(user.getPolicy()).extracting(p -> p.getValue()).containsExactly("ses_91b0d7");
        assertThat(user.getNetwork().getAddress()).isEqualTo("203.0.113.7");
        AuditEvent.AuditEventAgentComponent ward = login.getAgent().get(1);
        assertThat(ward.getType().getCodingFirstRep().getCode()).isEqualTo("110153");
        assertThat(ward.getRequestor()).isFalse();
        assertThat(login.getSource().getSite()).isEqualTo("st-marys");

        AuditEvent logout = fhir(typical(2, "session.revoked"));
        assertThat(logout.getSubtype()).extracting(Coding::getCode).contains("110123");
        assertThat(fhir(typical(3, "login.failed")).getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
        assertThat(fhir(typical(4, "security.cross_tenant_denied")).getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._8);
    }

    @Test
    void patientAccessNamesThePatientAsBalpDoesAndTheActionOfTheEvent() {
        AuditEvent read = fhir(typical(1, "patient.data_read"));
        assertThat(codes(read.getType())).isEqualTo("DCM#110110");
        assertThat(read.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
        AuditEvent.AuditEventEntityComponent patient = read.getEntity().get(0);
        assertThat(patient.getWhat().getReference()).isEqualTo("Patient/p-1234");
        assertThat(patient.getType().getCode()).isEqualTo("1");
        assertThat(patient.getRole().getCode()).isEqualTo("1");
        assertThat(fhir(typical(2, "patient.data_written")).getAction()).isEqualTo(AuditEvent.AuditEventAction.U);

        AuditEvent app = fhir(event(3, "app.order_signed", "success", "api_key:key_ehr", "usr_1", null, "MRN 0042/7", null,
                Map.of("action", "C")));
        assertThat(app.getAction()).isEqualTo(AuditEvent.AuditEventAction.C);
        assertThat(app.getEntity().get(0).getWhat().getIdentifier().getValue()).isEqualTo("MRN 0042/7");
        assertThat(app.getAgent()).filteredOn(AuditEvent.AuditEventAgentComponent::getRequestor)
                .extracting(a -> a.getWho().getIdentifier().getValue()).containsExactly("key_ehr");
    }

    @Test
    void breakGlassIsAnEmergencyOverrideWithItsPurposeAndWithoutTheTypedReason() {
        AuditEvent started = fhir(typical(1, "patient.break_glass"));
        assertThat(codes(started.getType())).isEqualTo("DCM#110113");
        assertThat(started.getSubtype()).extracting(Coding::getCode).contains("110127");
        assertThat(started.getPurposeOfEvent()).extracting(cc -> cc.getCodingFirstRep().getCode()).containsExactly("ETREAT", "BTG");
        String json = new FhirAuditExport(NODE).json(typical(1, "patient.break_glass"), null);
        assertThat(json).doesNotContain("Unconscious").doesNotContain("allergy").contains("reason_code");

        AuditEvent stopped = fhir(event(2, "patient.break_glass_ended", "success", null, "usr_1", "ses_1", "p-1", null,
                Map.of("break_glass_id", "bgl_7", "ended_by", "expired", "ended_at", "2026-11-22T10:15:00Z", "reason_code", "ETREAT")));
        assertThat(codes(stopped.getType())).isEqualTo("DCM#110113");
        assertThat(stopped.getSubtype()).filteredOn(c -> c.getSystem().equals("http://dicom.nema.org/resources/ontology/DCM"))
                .extracting(Coding::getCode, Coding::getDisplay)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("110138", "Emergency Override Stopped"));
        assertThat(stopped.getPurposeOfEvent()).extracting(cc -> cc.getCodingFirstRep().getCode()).containsExactly("ETREAT", "BTG");
        assertThat(new FhirAuditExport(NODE).json(event(2, "patient.break_glass_ended", "success", null, "usr_1", "ses_1", "p-1",
                null, Map.of("break_glass_id", "bgl_7", "ended_by", "expired")), null)).contains("ended_by").contains("bgl_7");

        // The close of a break-glass context is followed by patient.break_glass_ended: it is not a second "stopped".
        AuditEvent closed = fhir(event(3, "patient.closed", "success", null, "usr_1", null, "p-1", null, Map.of("break_glass", true)));
        assertThat(closed.getSubtype()).extracting(Coding::getCode).doesNotContain("110138");
    }

    @Test
    void auditRecordingAndPrivilegeChangesUseTheDicomSecurityAlertCodes() {
        assertThat(fhir(typical(1, "audit.log_started")).getSubtype()).extracting(Coding::getCode).contains("110134");
        assertThat(fhir(typical(2, "audit.log_stopped")).getSubtype()).extracting(Coding::getCode).contains("110133");
        AuditEvent roles = fhir(typical(3, "admin.user_roles_changed"));
        assertThat(roles.getSubtype()).extracting(Coding::getCode).contains("110136");
        assertThat(roles.getAgent()).filteredOn(AuditEvent.AuditEventAgentComponent::getRequestor)
                .extracting(a -> a.getWho().getIdentifier().getValue()).containsExactly("usr_admin1");
        assertThat(roles.getEntity()).anyMatch(en -> "11".equals(en.getRole().getCode())
                && "usr_4f2a9c".equals(en.getWhat().getIdentifier().getValue()));
        assertThat(fhir(typical(4, "mfa.reset")).getSubtype()).extracting(Coding::getCode).contains("110137");
    }

    @Test
    void onlyCodedDetailsLeaveAndTheRecordCarriesTenantSeqAndHash() {
        AuditEvent r = FhirAuditEvent.of(event(42, "session.revoked", "success", null, "usr_1", "ses_1", null, null,
                Map.of("reason", "logout", "note", "free text", "weird", "a b c")), "ab12", NODE);
        AuditEvent.AuditEventEntityComponent record = r.getEntity().get(r.getEntity().size() - 1);
        assertThat(record.getWhat().getIdentifier().getSystem()).isEqualTo("urn:ward:audit-trail:st-marys");
        assertThat(record.getWhat().getIdentifier().getValue()).isEqualTo("42");
        assertThat(record.getDetail()).extracting(d -> d.getType() + "=" + d.getValue().primitiveValue())
                .containsExactly("hash=ab12", "reason=logout");
        assertThat(fhir(event(1, "session.revoked", "success", null, "usr_1", null, null, null,
                Map.of("reason", "Dr Smith's patient, see chart"))).getEntity().get(0).getDetail())
                .noneMatch(d -> d.getType().equals("reason"));
    }

    @Test
    void unknownTypesAreExportedAsApplicationActivityWithAnHonestCode() {
        AuditEvent r = fhir(event(1, "detect.something_new", "mystery", null, null, null, null, null, Map.of()));
        assertThat(codes(r.getType())).isEqualTo("DCM#110100");
        assertThat(r.getSubtype()).extracting(Coding::getCode).containsExactly("detect.something_new");
        assertThat(r.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
        assertThat(fhir(event(2, "Not A Type!", "success", null, null, null, null, null, Map.of())).getSubtype())
                .extracting(Coding::getCode).containsExactly("unknown");
    }

    /** Pins the list above to the code: a new AuditEntry.of type in ward-core must be mapped and tested. */
    @Test
    void everyTypeWardWritesIsInTheCodingTable() throws IOException {
        Pattern written = Pattern.compile("AuditEntry\\.of\\([^,]+,\\s*\"([a-z_.]+)\"");
        TreeSet<String> types = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("../ward-core/src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = written.matcher(Files.readString(f));
                while (m.find()) {
                    types.add(m.group(1));
                }
            }
        }
        assertThat(types).isNotEmpty();
        assertThat(EventCoding.knownTypes()).containsAll(types);
        assertThat(AuditEvents.WARD_TYPES).containsAll(types);
    }

    private static String codes(Coding c) {
        return (c.getSystem().equals(EventCoding.DCM) ? "DCM" : c.getSystem()) + "#" + c.getCode();
    }
}
