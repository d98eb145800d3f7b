package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.DESK;
import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.validSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.CleanupCriteria.Selection;
import dev.ward.session.IssuedSession;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cleanup of sessions (scheduler, CLI, start-up): what it previews, removes and audits. */
class SessionCleanupTest extends StoreContract {
    private static final long IDLE = 600;

    private StoreFixture w;

    @BeforeEach
    void setUp() {
        w = fixture("cleanup");
        Map<String, Object> policy = Map.of("idle_timeout_seconds", IDLE, "absolute_timeout_seconds", 3600,
                "max_concurrent", 100, "rotate_after_seconds", 86_400);
        w.tenant("hosp-a", policy);
        w.tenant("hosp-b", policy);
    }

    private boolean exists(IssuedSession s) {
        return w.sessionStore.findById(s.session().id()).isPresent();
    }

    private long sessionRows() {
        return w.sessionCount();
    }

    private List<String> auditedSessionIds(String type) {
        return w.auditOf(null, type).stream().map(AuditEvent::sessionId).toList();
    }

    private static List<String> ids(IssuedSession... sessions) {
        List<String> ids = new ArrayList<>();
        for (IssuedSession s : sessions) {
            ids.add(s.session().id());
        }
        return ids;
    }

    private long run(CleanupCriteria criteria) {
        return w.cleanup.run(criteria, "system", n -> { });
    }

    /** In hosp-a: two expired, one revoked, one live; in hosp-b: one expired, one live. */
    private record Mix(IssuedSession expiredA1, IssuedSession expiredA2, IssuedSession revokedA, IssuedSession liveA,
                       IssuedSession expiredB, IssuedSession liveB) {}

    private Mix mix() {
        IssuedSession expiredA1 = w.open("hosp-a", "usr_1");
        IssuedSession expiredA2 = w.open("hosp-a", "usr_2");
        IssuedSession expiredB = w.open("hosp-b", "usr_1");
        w.advance(IDLE / 2);
        IssuedSession revokedA = w.open("hosp-a", "usr_1");
        w.sessions.logout(revokedA.session());
        IssuedSession liveA = w.open("hosp-a", "usr_3");
        IssuedSession liveB = w.open("hosp-b", "usr_2");
        w.advance(IDLE / 2);
        return new Mix(expiredA1, expiredA2, revokedA, liveA, expiredB, liveB);
    }

    @Test
    void previewCountsEndedSessionsPerTenantAndRemovesNothing() {
        mix();

        assertThat(w.cleanup.preview(CleanupCriteria.ended())).containsExactly(Map.entry("hosp-a", 3L), Map.entry("hosp-b", 1L));
        assertThat(w.cleanup.preview(new CleanupCriteria(Selection.ENDED, null, "hosp-b"))).containsExactly(Map.entry("hosp-b", 1L));
        assertThat(sessionRows()).isEqualTo(6);
    }

    @Test
    void runRemovesEndedSessionsAndAuditsOnlyTheExpiredOnes() {
        Mix m = mix();
        List<Long> progress = new ArrayList<>();

        long removed = w.cleanup.run(CleanupCriteria.ended(), "system", progress::add);

        assertThat(removed).isEqualTo(4);
        assertThat(progress).containsExactly(4L);
        assertThat(exists(m.expiredA1())).isFalse();
        assertThat(exists(m.expiredA2())).isFalse();
        assertThat(exists(m.expiredB())).isFalse();
        assertThat(exists(m.revokedA())).isFalse();
        validSession(w.sessions.validate(m.liveA().token(), DESK));
        validSession(w.sessions.validate(m.liveB().token(), DESK));
        assertThat(auditedSessionIds("session.expired")).containsExactlyInAnyOrderElementsOf(ids(m.expiredA1(), m.expiredA2(), m.expiredB()));
        assertThat(w.auditOf(null, "session.expired")).allSatisfy(e -> {
            assertThat(e.actor()).isEqualTo("system");
            assertThat(e.details()).containsEntry("idle", true);
        });
        assertThat(w.auditOf(null, "session.revoked")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("reason", "logout"));
    }

    @Test
    void secondRunFindsNothingAndAuditsNothingMore() {
        mix();
        run(CleanupCriteria.ended());
        int audited = w.audit.recent(null, null, 1000).size();

        assertThat(run(CleanupCriteria.ended())).isZero();

        assertThat(w.cleanup.preview(CleanupCriteria.ended())).isEmpty();
        assertThat(w.audit.recent(null, null, 1000)).hasSize(audited);
    }

    @Test
    void removedSessionsTokenIsUnknownAfterwards() {
        Mix m = mix();
        run(CleanupCriteria.ended());

        assertThat(invalid(w.sessions.validate(m.expiredA1().token(), DESK)).code()).isEqualTo("session_invalid");
    }

    @Test
    void absoluteExpiryIsAuditedAsNotIdle() {
        IssuedSession busy = w.open("hosp-a", "usr_1");
        for (int i = 0; i < 6; i++) {
            w.advance(IDLE - 1);
            validSession(w.sessions.validate(busy.token(), DESK));
        }
        w.advance(3600 - 6 * (IDLE - 1));

        assertThat(run(CleanupCriteria.ended())).isEqualTo(1);

        assertThat(w.auditOf("hosp-a", "session.expired")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("idle", false));
    }

    @Test
    void allSessionsRemovesLiveOnesTooAndAuditsThemRevokedForCleanup() {
        Mix m = mix();
        Map<String, Long> preview = w.cleanup.preview(new CleanupCriteria(Selection.ALL, null, null));

        long removed = run(new CleanupCriteria(Selection.ALL, null, null));

        assertThat(preview).containsExactly(Map.entry("hosp-a", 4L), Map.entry("hosp-b", 2L));
        assertThat(removed).isEqualTo(6);
        assertThat(sessionRows()).isZero();
        assertThat(w.auditOf(null, "session.revoked")).filteredOn(e -> "cleanup".equals(e.details().get("reason")))
                .extracting(AuditEvent::sessionId).containsExactlyInAnyOrderElementsOf(ids(m.liveA(), m.liveB()));
        assertThat(auditedSessionIds("session.expired")).hasSize(3);
        assertThat(invalid(w.sessions.validate(m.liveA().token(), DESK)).code()).isEqualTo("session_invalid");
    }

    @Test
    void unauthenticatedRemovesOnlySessionsAtAalZero() {
        IssuedSession waitingForMfa = w.open("hosp-a", "usr_1", 0, DESK);
        IssuedSession signedIn = w.open("hosp-a", "usr_2", 1, DESK);
        IssuedSession otherTenantWaiting = w.open("hosp-b", "usr_1", 0, DESK);
        CleanupCriteria unauthenticated = new CleanupCriteria(Selection.UNAUTHENTICATED, null, null);

        assertThat(w.cleanup.preview(unauthenticated)).containsExactly(Map.entry("hosp-a", 1L), Map.entry("hosp-b", 1L));
        assertThat(run(unauthenticated)).isEqualTo(2);

        assertThat(exists(waitingForMfa)).isFalse();
        assertThat(exists(otherTenantWaiting)).isFalse();
        validSession(w.sessions.validate(signedIn.token(), DESK));
        assertThat(w.auditOf(null, "session.revoked")).extracting(AuditEvent::sessionId)
                .containsExactlyInAnyOrderElementsOf(ids(waitingForMfa, otherTenantWaiting));
    }

    @Test
    void createdBeforeLimitsTheRunToOlderSessions() {
        IssuedSession old = w.open("hosp-a", "usr_1");
        w.advance(7200);
        Instant cutoff = w.clock.instant();
        IssuedSession recent = w.open("hosp-a", "usr_2");
        w.advance(1);

        CleanupCriteria olderThanCutoff = new CleanupCriteria(Selection.ALL, cutoff, null);
        assertThat(w.cleanup.preview(olderThanCutoff)).containsExactly(Map.entry("hosp-a", 1L));
        assertThat(run(olderThanCutoff)).isEqualTo(1);

        assertThat(exists(old)).isFalse();
        validSession(w.sessions.validate(recent.token(), DESK));
    }

    @Test
    void createdBeforeIsStrict() {
        IssuedSession atCutoff = w.open("hosp-a", "usr_1");

        assertThat(run(new CleanupCriteria(Selection.ALL, w.clock.instant(), null))).isZero();

        assertThat(exists(atCutoff)).isTrue();
    }

    @Test
    void tenantFilterLeavesOtherTenantsAlone() {
        Mix m = mix();

        assertThat(run(new CleanupCriteria(Selection.ALL, null, "hosp-b"))).isEqualTo(2);

        assertThat(exists(m.expiredB())).isFalse();
        assertThat(exists(m.liveB())).isFalse();
        assertThat(exists(m.expiredA1())).isTrue();
        validSession(w.sessions.validate(m.liveA().token(), DESK));
    }

    @Test
    void attributesGoWithTheirSession() {
        IssuedSession expiring = w.open("hosp-a", "usr_1");
        IssuedSession staying = w.open("hosp-a", "usr_2");
        w.attributes.put(expiring.session(), "patient", "{\"mrn\":\"1\"}");
        w.advance(IDLE - 1);
        validSession(w.sessions.validate(staying.token(), DESK));
        w.attributes.put(staying.session(), "patient", "{\"mrn\":\"2\"}");
        w.advance(1);

        assertThat(run(CleanupCriteria.ended())).isEqualTo(1);

        assertThat(w.stores.storedAttributeCount(expiring.session().id())).isZero();
        assertThat(w.attributes.get(staying.session(), "patient")).contains("{\"mrn\":\"2\"}");
    }

    @Test
    void runRemovesMoreThanOneBatch() {
        for (int i = 0; i < 501; i++) {
            w.open("hosp-a", "usr_" + i);
        }
        w.advance(IDLE);
        List<Long> progress = new ArrayList<>();

        assertThat(w.cleanup.run(CleanupCriteria.ended(), "system", progress::add)).isEqualTo(501);

        assertThat(progress).containsExactly(500L, 501L);
        assertThat(sessionRows()).isZero();
    }
}
