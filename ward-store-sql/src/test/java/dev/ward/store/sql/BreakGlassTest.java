package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.alert.Alert;
import dev.ward.audit.AuditEvent;
import dev.ward.patient.PatientAccess;
import dev.ward.patient.PatientContext;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Restricted patients and break-glass (issue 12 item 6) on every backend. */
class BreakGlassTest extends StoreContract {
    private static final String T = "hosp-a";
    private static final String IP = "203.0.113.7";

    private StoreFixture w;
    private Actor.ApiKey app;
    private String carer;
    private String outsider;
    private Session carerSession;
    private Session outsiderSession;

    @BeforeEach
    void setUp() {
        w = fixture("break-glass");
        w.tenant(T);
        w.tenant("hosp-b");
        app = new Actor.ApiKey(T, "key_emr", Set.of(Scope.PATIENTS));
        carer = w.user(T, "carer", "Care-Team-Pass-1!", List.of("staff"));
        outsider = w.user(T, "outsider", "Out-Side-Pass-1!", List.of("staff"));
        carerSession = w.open(T, carer).session();
        outsiderSession = w.open(T, outsider).session();
        w.access.restrict(app, "vip-1", true, List.of(carer));
    }

    private static PatientAccess.OpenRequest breaking(String reason, String code) {
        return new PatientAccess.OpenRequest(Optional.ofNullable(reason), true, Optional.ofNullable(code));
    }

    @Test
    void theCareTeamOpensARestrictedPatientAsUsual() {
        PatientContext c = w.patients.open(carerSession, "vip-1", IP);
        assertThat(c.breakGlass()).isFalse();
        assertThat(w.auditOf(T, "patient.break_glass")).isEmpty();
    }

    @Test
    void anyoneElseIsToldToBreakTheGlassAndTheRefusalIsAudited() {
        ProblemException e = refusal(() -> w.patients.open(outsiderSession, "vip-1", IP));

        assertThat(e.status()).isEqualTo(403);
        assertThat(e.code()).isEqualTo("break_glass_required");
        assertThat(w.patients.list(outsiderSession)).isEmpty();
        assertThat(w.auditOf(T, "patient.access_denied")).singleElement().satisfies(ev -> {
            assertThat(ev.patientId()).isEqualTo("vip-1");
            assertThat(ev.outcome()).isEqualTo("denied");
        });
    }

    @Test
    void breakingTheGlassOpensAShortContextAuditedAlertedAndQueuedForReview() {
        PatientContext c = w.patients.open(outsiderSession, "vip-1", breaking("Patient unconscious in ED, allergy check", "ETREAT"), IP);

        assertThat(c.breakGlass()).isTrue();
        assertThat(c.absoluteExpiresAt()).isEqualTo(w.clock.instant().plusSeconds(900));
        assertThat(w.auditOf(T, "patient.break_glass")).singleElement().satisfies(ev -> {
            assertThat(ev.patientId()).isEqualTo("vip-1");
            assertThat(ev.userId()).isEqualTo(outsider);
            assertThat(ev.details()).containsEntry("severity", "high").containsEntry("reason_code", "ETREAT");
        });
        assertThat(w.alerts.list(StoreFixture.OPERATOR, T, Alert.OPEN, 10)).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo("break_glass");
            assertThat(a.severity()).isEqualTo("high");
            assertThat(a.subject()).containsEntry("patient_id", "vip-1").containsEntry("user_id", outsider);
        });
        w.patients.write(outsiderSession, "vip-1", "allergies", "[\"latex\"]", IP);
        w.patients.read(outsiderSession, "vip-1", "allergies", IP);
        w.patients.read(outsiderSession, "vip-1", "allergies", IP);

        List<PatientAccess.Reviewed> queue = w.access.queue(StoreFixture.OPERATOR, T, "open", 10);
        assertThat(queue).singleElement().satisfies(r -> {
            assertThat(r.reads()).isEqualTo(2);
            assertThat(r.breakGlass().reason()).isEqualTo("Patient unconscious in ED, allergy check");
            assertThat(r.breakGlass().username()).isEqualTo("user-" + outsider);
        });
        w.access.review(StoreFixture.OPERATOR, queue.getFirst().breakGlass().id(), true, "confirmed with ED lead");
        assertThat(w.access.queue(StoreFixture.OPERATOR, T, "open", 10)).isEmpty();
        assertThat(w.access.queue(StoreFixture.OPERATOR, T, "reviewed", 10)).singleElement()
                .satisfies(r -> assertThat(r.breakGlass().justified()).isTrue());
        assertThat(w.auditOf(T, "patient.break_glass_reviewed")).singleElement()
                .satisfies(ev -> assertThat(ev.details()).containsEntry("justified", true).containsEntry("reads", 2));
        assertThat(refusal(() -> w.access.review(StoreFixture.OPERATOR, queue.getFirst().breakGlass().id(), false, null)).code())
                .isEqualTo("break_glass_reviewed");

        w.advance(901);
        assertThat(refusal(() -> w.patients.read(outsiderSession, "vip-1", "allergies", IP)).code())
                .as("time-boxed").isEqualTo("patient_context_not_open");
    }

    @Test
    void closingABreakGlassContextSaysSoForTheFhirExport() {
        w.patients.open(outsiderSession, "vip-1", breaking("Patient unconscious in ED", "BTG"), IP);
        w.patients.open(carerSession, "vip-1", IP);

        w.patients.close(outsiderSession, "vip-1", IP);
        w.patients.close(carerSession, "vip-1", IP);

        assertThat(w.auditOf(T, "patient.closed")).extracting(e -> e.details().get("break_glass"))
                .containsExactlyInAnyOrder(true, false);
    }

    @Test
    void aBreakNeedsAReasonOfTenCharactersAndAWellFormedCode() {
        for (String reason : new String[] {null, "", "urgent!!!", "         x"}) {
            ProblemException e = refusal(() -> w.patients.open(outsiderSession, "vip-1", breaking(reason, null), IP));
            assertThat(e.code()).isEqualTo("validation_failed");
            assertThat(e.extensions()).containsEntry("field", "reason");
        }
        assertThat(refusal(() -> w.patients.open(outsiderSession, "vip-1", breaking("a good long reason", "BTG; DROP"), IP))
                .extensions()).containsEntry("field", "reason_code");
        assertThat(w.patients.list(outsiderSession)).isEmpty();
        w.patients.open(outsiderSession, "vip-1", breaking("a good long reason", null), IP);
        assertThat(w.patients.list(outsiderSession)).hasSize(1);
    }

    @Test
    void restrictionsBelongToTheKeysTenantAndNeedTheScope() {
        Actor.ApiKey other = new Actor.ApiKey("hosp-b", "key_b", Set.of(Scope.PATIENTS));
        assertThat(w.access.restriction(other, "vip-1")).as("another tenant's patient of that id").isEmpty();
        Actor.ApiKey noScope = new Actor.ApiKey(T, "key_x", Set.of(Scope.SESSIONS));
        assertThat(refusal(() -> w.access.restrict(noScope, "vip-2", true, List.of())).code()).isEqualTo("insufficient_scope");
        assertThat(refusal(() -> w.access.restrict(app, "vip-2", true, List.of("usr_nobody"))).extensions())
                .containsEntry("field", "care_team");
        Session inB = w.open("hosp-b", "usr_b").session();
        assertThat(w.patients.open(inB, "vip-1", IP).breakGlass()).as("not restricted in hosp-b").isFalse();

        assertThat(w.access.lift(app, "vip-1")).isTrue();
        assertThat(w.patients.open(outsiderSession, "vip-1", IP).breakGlass()).isFalse();
        assertThat(w.auditOf(T, "patient.restricted")).hasSize(1);
        assertThat(w.auditOf(T, "patient.unrestricted")).hasSize(1);
    }

    @Test
    void anotherTenantsAdministratorSeesNoneOfIt() {
        w.patients.open(outsiderSession, "vip-1", breaking("Patient unconscious in ED", "ETREAT"), IP);
        Actor adminB = new Actor.User("hosp-b", "usr_admin_b", "admin-b", Set.of("admin"), "ses_b");
        String id = w.access.queue(StoreFixture.OPERATOR, T, null, 10).getFirst().breakGlass().id();

        assertThat(refusal(() -> w.access.queue(adminB, T, null, 10)).status()).isEqualTo(403);
        assertThat(w.access.queue(adminB, null, null, 10)).isEmpty();
        assertThat(refusal(() -> w.access.review(adminB, id, false, null)).code()).isEqualTo("break_glass_not_found");
        String alert = w.alerts.list(StoreFixture.OPERATOR, T, null, 10).getFirst().id();
        assertThat(refusal(() -> w.alerts.acknowledge(adminB, alert)).code()).isEqualTo("alert_not_found");
        w.alerts.acknowledge(StoreFixture.OPERATOR, alert);
        assertThat(w.alerts.list(StoreFixture.OPERATOR, T, "acknowledged", 10)).hasSize(1);
        List<AuditEvent> acks = w.auditOf(T, "alert.acknowledged");
        assertThat(acks).hasSize(1);
        assertThat(w.auditOf(T, "alert.raised")).singleElement()
                .satisfies(ev -> assertThat(ev.details()).containsEntry("alert_type", "break_glass"));
    }
}
