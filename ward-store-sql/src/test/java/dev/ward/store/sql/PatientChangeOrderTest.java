package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.audit.AuditTrail;
import dev.ward.patient.PatientContexts;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.session.DetachedSessionStore;
import dev.ward.session.Session;
import dev.ward.session.SessionService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patient context changes keep decision 0011's promise (docs/decisions/0016): done and recorded, or not done — with
 * Redis, across a failure between the change and its events, and a node dying in the middle.
 */
class PatientChangeOrderTest extends StoreContract {
    private static final String T = "order";
    private static final String IP = "203.0.113.7";

    private StoreFixture w;
    private Session s;

    @BeforeEach
    void setUp() {
        w = fixture("patient-order");
        w.tenant(T);
        s = w.open(T, "usr_1").session();
    }

    /** Patient contexts over a trail that fails the chosen event types, as on a lost database connection. */
    private PatientContexts failingOn(String... types) {
        AuditTrail trail = new AuditTrail(new SessionChangeOrderTest.FailingOn(new SqlAuditStore(w.db), Set.of(types)),
                w.db::atomically, w.clock);
        SessionService sessions = new SessionService(w.sessionStore, new SqlSessionIntents(w.db), w.revocations, w.refusals, w.tenants, w.guard, trail, w.clock);
        return new PatientContexts(w.patientStore, w.sessionStore, sessions, w.access, w.tenants, w.keys, trail, w.clock);
    }

    private boolean detached() {
        return w.sessionStore instanceof DetachedSessionStore;
    }

    private long intents() {
        return w.count("SELECT COUNT(*) FROM session_intents");
    }

    private long events(String type) {
        return w.audit.recent(T, type, 100).size();
    }

    private int repair() {
        w.clock.advance(SessionService.REPAIR_AFTER.plusSeconds(1));
        return w.sessions.repairInterrupted("node-b");
    }

    @Test
    void aWriteWhoseEventCannotBeWrittenLeavesNoUnrecordedData() {
        w.patients.open(s, "p-1", IP);

        assertThatThrownBy(() -> failingOn("patient.data_written").write(s, "p-1", "chart", "{\"dx\":1}", IP))
                .isInstanceOf(StoreUnavailableException.class);

        if (detached()) {
            assertThat(intents()).isEqualTo(1);
            assertThat(repair()).isEqualTo(1);
        }
        assertThat(w.stores.storedPatientData(s.id(), "p-1", "chart")).as("no value without its event").isNull();
        assertThat(events("patient.data_written")).isZero();
        assertThat(intents()).isZero();
    }

    @Test
    void aReadWhoseEventCannotBeWrittenHandsOutNothing() {
        w.patients.open(s, "p-1", IP);
        w.patients.write(s, "p-1", "chart", "{\"dx\":1}", IP);

        assertThatThrownBy(() -> failingOn("patient.data_read").read(s, "p-1", "chart", IP))
                .isInstanceOf(StoreUnavailableException.class);

        assertThat(events("patient.data_read")).isZero();
    }

    @Test
    void aClearWhoseEventCannotBeWrittenIsFinishedAndRecordedByTheRepairOrNotMade() {
        w.patients.open(s, "p-1", IP);

        assertThatThrownBy(() -> failingOn("patient.cleared").clearAll(s, IP)).isInstanceOf(StoreUnavailableException.class);

        if (!detached()) {
            assertThat(w.patients.list(s)).as("rolled back").hasSize(1);
            assertThat(events("patient.cleared")).isZero();
            return;
        }
        assertThat(w.patientStore.holdsAny(s.id())).as("cleared in Redis at once (the safe direction)").isFalse();
        assertThat(repair()).isEqualTo(1);
        assertThat(w.audit.recent(T, "patient.cleared", 10)).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("reason", "clear").containsEntry("repaired", true));
        assertThat(intents()).isZero();
    }

    @Test
    void anOpenWhoseEventCannotBeWrittenIsTakenBack() {
        assertThatThrownBy(() -> failingOn("patient.opened").open(s, "p-1", IP)).isInstanceOf(StoreUnavailableException.class);

        assertThat(w.patients.list(s)).isEmpty();
        assertThat(events("patient.opened")).isZero();
        if (detached()) {
            assertThat(repair()).as("its intent, with nothing left to undo").isEqualTo(1);
        }
        assertThat(intents()).isZero();
    }

    @Test
    void aNodeThatDiedMidOpenHasTheOpenTakenBack() {
        if (!detached()) {
            return; // in the database an open and its event are one transaction: there is no middle to die in
        }
        // What the dead node did: the intent, then the context in Redis, and nothing after.
        new SqlSessionIntents(w.db).begin("patient_open", T, "usr_1", Map.of("session_id", s.id(), "patient_id", "p-1",
                "opened_at", w.clock.instant().toEpochMilli()), w.clock.instant());
        w.patientStore.open(s.id(), "p-1", w.clock.instant(), Duration.ofMinutes(30), w.clock.instant().plusSeconds(3600), false, 32);
        w.patients.open(s, "p-2", IP);

        assertThat(repair()).isEqualTo(1);

        assertThat(w.patients.list(s)).extracting(c -> c.patientId()).containsExactly("p-2");
        assertThat(events("patient.opened")).isEqualTo(1);
        assertThat(List.of(intents())).containsExactly(0L);
    }
}
