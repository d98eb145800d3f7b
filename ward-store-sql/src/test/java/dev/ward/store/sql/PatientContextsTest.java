package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ward.audit.AuditEvent;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.patient.PatientContext;
import dev.ward.patient.PatientContexts;
import dev.ward.problem.ProblemException;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.Session;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patient contexts (C6, issue 12 items 1 to 3) on every backend: their own idle timeout slid by use and hard limit,
 * decided at read time on every node; the data cache sealed and bound to tenant, session, patient and key; cleanup on
 * every trigger, each audited.
 */
class PatientContextsTest extends StoreContract {
    private static final String CHART = "{\"mrn\":\"MRN-PLAINTEXT-0042\",\"allergies\":[\"penicillin\"]}";
    private static final String IP = "203.0.113.7";

    private StoreFixture w;
    private PatientContexts patients;
    private Session mine;
    private Session other;

    @BeforeEach
    void setUp() {
        w = fixture("patients");
        w.tenant("hosp-a", Map.of("idle_timeout_seconds", 7200, "absolute_timeout_seconds", 43200));
        w.tenant("hosp-b");
        patients = w.patients;
        mine = w.open("hosp-a", "usr_1").session();
        other = w.open("hosp-a", "usr_2").session();
    }

    private List<AuditEvent> events(String type) {
        return w.auditOf("hosp-a", type);
    }

    private ProblemException notOpen(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        ProblemException e = refusal(call);
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.code()).isEqualTo("patient_context_not_open");
        return e;
    }

    @Test
    void openingGivesAContextWithItsOwnTimeoutsAndReopeningReturnsIt() {
        Instant start = w.clock.instant();
        PatientContext opened = patients.open(mine, "p-1", IP);

        assertThat(opened.openedAt()).isEqualTo(start);
        assertThat(opened.expiresAt()).isEqualTo(start.plusSeconds(1800));
        assertThat(opened.absoluteExpiresAt()).isEqualTo(start.plusSeconds(3600));
        w.advance(60);
        PatientContext again = patients.open(mine, "p-1", IP);
        assertThat(again.openedAt()).isEqualTo(start);
        assertThat(again.accesses()).isEqualTo(2);
        assertThat(again.expiresAt()).isEqualTo(start.plusSeconds(60 + 1800));
        assertThat(patients.list(mine)).extracting(PatientContext::patientId).containsExactly("p-1");
        assertThat(patients.list(other)).isEmpty();
        List<AuditEvent> opened2 = events("patient.opened");
        assertThat(opened2).hasSize(2).allSatisfy(e -> {
            assertThat(e.patientId()).isEqualTo("p-1");
            assertThat(e.sessionId()).isEqualTo(mine.id());
        });
        assertThat(opened2).extracting(e -> e.details().get("reopened")).containsExactlyInAnyOrder(true, false);
    }

    @Test
    void theIdleTimeoutIsSlidByUseAndDecidedAtReadTime() {
        patients.open(mine, "p-1", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);
        w.advance(1700);
        assertThat(patients.read(mine, "p-1", "chart", IP)).contains(CHART);
        w.advance(1700);
        assertThat(patients.read(mine, "p-1", "chart", IP)).as("slid by the read before").contains(CHART);
        w.advance(1801);

        notOpen(() -> patients.read(mine, "p-1", "chart", IP));

        assertThat(w.stores.storedPatientData(mine.id(), "p-1", "chart")).as("removed by the read that found it expired").isNull();
        assertThat(patients.list(mine)).isEmpty();
        assertThat(events("patient.cleared")).singleElement().satisfies(e -> {
            assertThat(e.patientId()).isEqualTo("p-1");
            assertThat(e.details()).containsEntry("reason", "timeout").containsEntry("count", 1);
        });
    }

    @Test
    void theHardLimitEndsAContextHoweverOftenItIsUsed() {
        patients.open(mine, "p-1", IP);
        for (int i = 0; i < 5; i++) {
            w.advance(700);
            patients.write(mine, "p-1", "k", "1", IP);
        }
        w.advance(101);
        notOpen(() -> patients.write(mine, "p-1", "k", "2", IP));
        notOpen(() -> patients.read(mine, "p-1", "k", IP));
    }

    @Test
    void anotherNodeDecidesExpiryByItsOwnClockWithoutASweep() {
        patients.open(mine, "p-1", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);
        StoreFixture second = new StoreFixture(w);
        second.clock.advance(Duration.ofSeconds(1801));

        notOpen(() -> second.patients.read(mine, "p-1", "chart", IP));

        notOpen(() -> patients.read(mine, "p-1", "chart", IP));
    }

    @Test
    void dataIsSealedAndReadsAndWritesAreAuditedWithByteCounts() {
        patients.open(mine, "p-1", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);

        assertThat(patients.read(mine, "p-1", "chart", IP)).contains(CHART);
        String stored = w.stores.storedPatientData(mine.id(), "p-1", "chart");
        assertThat(stored).startsWith("ward:v1:").doesNotContain("MRN").doesNotContain("penicillin");
        int bytes = CHART.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(events("patient.data_written")).singleElement().satisfies(e -> {
            assertThat(e.patientId()).isEqualTo("p-1");
            assertThat(e.details()).containsEntry("bytes", bytes).containsEntry("key", "chart");
        });
        assertThat(events("patient.data_read")).singleElement().satisfies(e -> {
            assertThat(e.patientId()).isEqualTo("p-1");
            assertThat(e.details()).containsEntry("bytes", bytes);
        });
        assertThat(patients.read(mine, "p-1", "nothing", IP)).isEmpty();
        assertThat(patients.deleteData(mine, "p-1", "chart", IP)).isTrue();
        assertThat(patients.read(mine, "p-1", "chart", IP)).isEmpty();
        assertThat(patients.list(mine)).singleElement().satisfies(c -> assertThat(c.accesses()).isEqualTo(6));
    }

    @Test
    void aSealedValueMovedToAnotherPatientSessionOrKeyDoesNotOpen() {
        patients.open(mine, "p-1", IP);
        patients.open(mine, "p-2", IP);
        patients.open(other, "p-1", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);
        String sealed = w.stores.storedPatientData(mine.id(), "p-1", "chart");

        w.stores.plantPatientData(mine.id(), "p-2", "chart", sealed);
        w.stores.plantPatientData(other.id(), "p-1", "chart", sealed);
        w.stores.plantPatientData(mine.id(), "p-1", "innocent", sealed);

        for (Runnable read : List.<Runnable>of(() -> patients.read(mine, "p-2", "chart", IP),
                () -> patients.read(other, "p-1", "chart", IP), () -> patients.read(mine, "p-1", "innocent", IP))) {
            assertThat(catchThrowable(read::run)).isInstanceOf(MasterKeyCipher.DecryptionException.class)
                    .satisfies(t -> assertThat(String.valueOf(t.getMessage())).doesNotContain("MRN"));
        }
    }

    @Test
    void aContextOfAnotherSessionIsNotOpenHere() {
        patients.open(mine, "p-1", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);

        notOpen(() -> patients.read(other, "p-1", "chart", IP));
        notOpen(() -> patients.write(other, "p-1", "chart", "{}", IP));
        notOpen(() -> patients.close(other, "p-1", IP));
        assertThat(patients.read(mine, "p-1", "chart", IP)).contains(CHART);
    }

    @Test
    void closingDropsTheContextAndItsData() {
        patients.open(mine, "p-1", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);

        patients.close(mine, "p-1", IP);

        assertThat(w.stores.storedPatientData(mine.id(), "p-1", "chart")).isNull();
        notOpen(() -> patients.read(mine, "p-1", "chart", IP));
        notOpen(() -> patients.close(mine, "p-1", IP));
        assertThat(events("patient.closed")).singleElement().satisfies(e -> assertThat(e.patientId()).isEqualTo("p-1"));
    }

    @Test
    void clearingRemovesEveryContextAndTheSessionLivesOn() {
        patients.open(mine, "p-1", IP);
        patients.open(mine, "p-2", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);
        patients.write(mine, "p-2", "chart", CHART, IP);
        patients.open(other, "p-1", IP);

        assertThat(patients.clearAll(mine, IP)).isEqualTo(2);

        assertThat(patients.list(mine)).isEmpty();
        assertThat(w.stores.storedPatientData(mine.id(), "p-1", "chart")).isNull();
        assertThat(w.stores.storedPatientData(mine.id(), "p-2", "chart")).isNull();
        assertThat(patients.list(other)).hasSize(1);
        assertThat(w.sessionStore.findById(mine.id())).isPresent();
        assertThat(events("patient.cleared")).singleElement().satisfies(e ->
                assertThat(e.details()).containsEntry("reason", "clear").containsEntry("count", 2));
        assertThat(patients.clearAll(mine, IP)).isZero();
    }

    @Test
    void logoutClearsTheSessionsContexts() {
        patients.open(mine, "p-1", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);

        w.sessions.logout(mine);

        assertThat(w.stores.storedPatientData(mine.id(), "p-1", "chart")).isNull();
        assertThat(w.patientStore.holdsAny(mine.id())).isFalse();
        assertThat(events("patient.cleared")).singleElement().satisfies(e ->
                assertThat(e.details()).containsEntry("reason", "logout").containsEntry("count", 1));
    }

    @Test
    void emergencyCleanupEndsTheSessionAndPurgesItsContexts() {
        patients.open(mine, "p-1", IP);
        patients.open(mine, "p-2", IP);

        assertThat(w.sessions.emergencyCleanup(mine)).isEqualTo(2);

        assertThat(w.sessionStore.findById(mine.id())).get().satisfies(s -> assertThat(s.revokeReason()).isEqualTo("emergency_cleanup"));
        assertThat(w.patientStore.holdsAny(mine.id())).isFalse();
        assertThat(events("patient.cleared")).singleElement().satisfies(e ->
                assertThat(e.details()).containsEntry("reason", "emergency_cleanup").containsEntry("count", 2));
    }

    @Test
    void revokingEveryOtherSessionOfAUserClearsTheirContexts() {
        Session mineToo = w.open("hosp-a", "usr_1").session();
        patients.open(mine, "p-1", IP);
        patients.open(mineToo, "p-1", IP);

        w.sessions.endAllOfUser("hosp-a", "usr_1", mineToo.id(), "admin", StoreFixture.OPERATOR);

        assertThat(w.patientStore.holdsAny(mine.id())).isFalse();
        assertThat(patients.list(mineToo)).hasSize(1);
        assertThat(events("patient.cleared")).singleElement().satisfies(e -> {
            assertThat(e.sessionId()).isEqualTo(mine.id());
            assertThat(e.details()).containsEntry("reason", "session_revoked").containsEntry("session_reason", "admin");
        });
    }

    @Test
    void aSessionFoundExpiredLosesItsContextsAtOnce() {
        var issued = w.open("hosp-b", "usr_9");
        Session s = issued.session();
        w.patients.open(s, "p-1", IP);
        w.patients.write(s, "p-1", "chart", CHART, IP);
        w.advance(1801);

        StoreFixture.invalid(w.sessions.validate(issued.token(), StoreFixture.DESK));

        assertThat(w.stores.storedPatientData(s.id(), "p-1", "chart")).isNull();
        assertThat(w.patientStore.holdsAny(s.id())).isFalse();
        assertThat(w.auditOf("hosp-b", "patient.cleared")).singleElement().satisfies(e ->
                assertThat(e.details()).containsEntry("reason", "session_expired"));
    }

    @Test
    void theSweepRemovesContextsNobodyTouchedAndRecordsEach() {
        patients.open(mine, "p-1", IP);
        patients.open(other, "p-2", IP);
        patients.write(mine, "p-1", "chart", CHART, IP);
        w.advance(1801);
        patients.open(other, "p-3", IP);

        assertThat(patients.sweep("timeout", "system")).isEqualTo(2);

        assertThat(w.stores.storedPatientData(mine.id(), "p-1", "chart")).isNull();
        assertThat(patients.list(other)).extracting(PatientContext::patientId).containsExactly("p-3");
        assertThat(events("patient.cleared")).hasSize(2).allSatisfy(e -> assertThat(e.details()).containsEntry("reason", "timeout"))
                .extracting(AuditEvent::patientId).containsExactlyInAnyOrder("p-1", "p-2");
        assertThat(patients.sweep("timeout", "system")).isZero();
    }

    /** Restricting a patient finds the sessions holding it (decision 0019): by patient, within the tenant only. */
    @Test
    void theSessionsHoldingAPatientAreFoundWithinTheTenant() {
        patients.open(mine, "p-1", IP);
        patients.open(other, "p-1", IP);
        patients.open(other, "p-2", IP);
        Session elsewhere = w.open("hosp-b", "usr_3").session();
        patients.open(elsewhere, "p-1", IP);

        assertThat(w.patientStore.sessionsHolding("hosp-a", "p-1")).containsExactlyInAnyOrder(mine.id(), other.id());
        assertThat(w.patientStore.sessionsHolding("hosp-a", "p-2")).containsExactly(other.id());
        assertThat(w.patientStore.sessionsHolding("hosp-b", "p-1")).containsExactly(elsewhere.id());
        assertThat(w.patientStore.sessionsHolding("hosp-a", "p-9")).isEmpty();
        patients.close(other, "p-1", IP);
        assertThat(w.patientStore.sessionsHolding("hosp-a", "p-1")).containsExactly(mine.id());
    }

    @Test
    void sessionCleanupRemovesTheContextsOfTheSessionsItRemoves() {
        patients.open(mine, "p-1", IP);
        patients.open(other, "p-1", IP);

        w.cleanup.run(new CleanupCriteria(CleanupCriteria.Selection.ALL, null, "hosp-a"), "operator", n -> { });

        assertThat(w.patientStore.holdsAny(mine.id())).isFalse();
        assertThat(w.patientStore.holdsAny(other.id())).isFalse();
        assertThat(events("patient.cleared")).hasSize(2).allSatisfy(e ->
                assertThat(e.details()).containsEntry("reason", "cleanup").containsEntry("count", 1));
    }

    @Test
    void limitsAreRefusedWithTheirCodes() {
        for (int i = 0; i < PatientContexts.MAX_CONTEXTS; i++) {
            patients.open(mine, "p-" + i, IP);
        }
        ProblemException tooMany = refusal(() -> patients.open(mine, "p-x", IP));
        assertThat(tooMany.status()).isEqualTo(409);
        assertThat(tooMany.code()).isEqualTo("too_many_patient_contexts");
        patients.open(mine, "p-0", IP);

        for (int i = 0; i < PatientContexts.MAX_KEYS; i++) {
            patients.write(mine, "p-0", "k" + i, "1", IP);
        }
        assertThat(refusal(() -> patients.write(mine, "p-0", "one-more", "1", IP)).code()).isEqualTo("too_many_patient_data_keys");
        patients.write(mine, "p-0", "k0", "2", IP);

        String big = "\"" + "a".repeat(PatientContexts.MAX_VALUE_BYTES - 1) + "\"";
        ProblemException tooLarge = refusal(() -> patients.write(mine, "p-1", "big", big, IP));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.code()).isEqualTo("patient_data_too_large");
        String fits = "\"" + "a".repeat(PatientContexts.MAX_VALUE_BYTES - 2) + "\"";
        patients.write(mine, "p-1", "big", fits, IP);
        assertThat(patients.read(mine, "p-1", "big", IP)).contains(fits);
    }

    @Test
    void badIdentifiersAreValidationFailures() {
        for (String bad : List.of("", "has space", "a/b", "x".repeat(129), "ключ")) {
            assertThat(refusal(() -> patients.open(mine, bad, IP)).code()).isEqualTo("validation_failed");
        }
        patients.open(mine, "p-1", IP);
        assertThat(refusal(() -> patients.write(mine, "p-1", "a b", "1", IP)).code()).isEqualTo("validation_failed");
    }

    @Test
    void anEndedSessionCannotOpenAContext() {
        w.sessions.logout(mine);
        notOpen(() -> patients.open(mine, "p-1", IP));
    }
}
