package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.sessionsKey;
import static dev.ward.store.sql.StoreFixture.valid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.crypto.Secrets;
import dev.ward.session.IssuedSession;
import dev.ward.session.Session;
import dev.ward.session.Validation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Token rotation after a number of uses, after time, after a role change; the grace period; parallel rotation. */
class SessionRotationTest extends StoreContract {
    private static final String TENANT = "hosp-a";
    private static final String TOKEN_SHAPE = "wst_[A-Za-z0-9_-]{62}";

    private StoreFixture w;

    @BeforeEach
    void setUp() {
        w = fixture("rotation");
        w.tenant(TENANT, Map.of("rotate_after_uses", 3, "rotate_after_seconds", 86_400));
    }

    private Validation validate(String token) {
        return w.sessions.validateFor(sessionsKey(TENANT), token, Optional.empty());
    }

    private List<AuditEvent> rotations() {
        return w.auditOf(TENANT, "session.rotated");
    }

    /** Validates until the third use, which rotates; returns the new token. */
    private String rotate(IssuedSession s) {
        return rotateFrom(s.token());
    }

    /** Uses {@code token} until its third use rotates it; returns the new token. */
    private String rotateFrom(String token) {
        assertThat(valid(validate(token)).rotatedToken()).isEmpty();
        assertThat(valid(validate(token)).rotatedToken()).isEmpty();
        return valid(validate(token)).rotatedToken().orElseThrow(() -> new AssertionError("third use did not rotate"));
    }

    @Test
    void thirdValidationCarriesARotatedToken() {
        IssuedSession s = w.open(TENANT, "usr_1");
        Instant at = w.clock.instant();

        assertThat(valid(validate(s.token())).rotatedToken()).isEmpty();
        assertThat(valid(validate(s.token())).rotatedToken()).isEmpty();
        Validation.Valid third = valid(validate(s.token()));

        assertThat(third.rotatedToken()).hasValueSatisfying(t -> assertThat(t).matches(TOKEN_SHAPE).isNotEqualTo(s.token()));
        assertThat(third.session().id()).isEqualTo(s.session().id());
        assertThat(third.session().usesSinceRotation()).isZero();
        assertThat(third.session().rotatedAt()).isEqualTo(at);
        Session stored = w.sessionStore.findById(s.session().id()).orElseThrow();
        assertThat(stored.usesSinceRotation()).isZero();
        assertThat(stored.uses()).isEqualTo(3);
    }

    @Test
    void rotatedTokenIsHandedOutExactlyOnce() {
        IssuedSession s = w.open(TENANT, "usr_1");
        String fresh = rotate(s);

        for (int i = 0; i < 5; i++) {
            assertThat(valid(validate(s.token())).rotatedToken()).as("old token, use %d in grace", i).isEmpty();
        }
        assertThat(valid(validate(fresh)).rotatedToken()).isEmpty();
        assertThat(rotations()).hasSize(1);
    }

    @Test
    void newTokenWorksAndIsStoredOnlyAsItsHash() {
        IssuedSession s = w.open(TENANT, "usr_1");
        String fresh = rotate(s);

        Validation.Valid v = valid(validate(fresh));
        assertThat(v.session().id()).isEqualTo(s.session().id());
        assertThat(valid(w.sessions.validate(fresh, StoreFixture.DESK)).session().id()).isEqualTo(s.session().id());
        String storedHash = w.stores.storedTokenHash(s.session().id());
        assertThat(storedHash).isEqualTo(Secrets.sha256Hex(fresh));
    }

    @Test
    void oldTokenKeepsWorkingThroughTheDefaultGraceAndIsExpiredAfter() {
        IssuedSession s = w.open(TENANT, "usr_1");
        String fresh = rotate(s);

        w.advance(29);
        assertThat(valid(validate(s.token())).session().id()).isEqualTo(s.session().id());
        w.advance(1);

        Validation.Invalid dead = invalid(validate(s.token()));
        assertThat(dead.code()).isEqualTo("session_expired");
        assertThat(invalid(w.sessions.validate(s.token(), StoreFixture.DESK)).code()).isEqualTo("session_expired");
        assertThat(valid(validate(fresh)).session().id()).isEqualTo(s.session().id());
    }

    @Test
    void graceFollowsThePolicy() {
        w.sessionPolicy(TENANT, Map.of("rotation_grace_seconds", 5));
        IssuedSession s = w.open(TENANT, "usr_1");
        rotate(s);

        w.advance(4);
        valid(validate(s.token()));
        w.advance(1);
        assertThat(invalid(validate(s.token())).code()).isEqualTo("session_expired");
    }

    @Test
    void useOfTheOldTokenInGraceCountsAsAUseButNotTowardTheNextRotation() {
        IssuedSession s = w.open(TENANT, "usr_1");
        String fresh = rotate(s);

        valid(validate(s.token()));
        valid(validate(s.token()));

        Session stored = w.sessionStore.findById(s.session().id()).orElseThrow();
        assertThat(stored.uses()).isEqualTo(5);
        assertThat(stored.usesSinceRotation()).isZero();
        assertThat(valid(validate(fresh)).rotatedToken()).isEmpty();
    }

    @Test
    void rotationIsAuditedWithoutTheTokens() {
        IssuedSession s = w.open(TENANT, "usr_1");
        String fresh = rotate(s);

        assertThat(rotations()).singleElement().satisfies(e -> {
            assertThat(e.sessionId()).isEqualTo(s.session().id());
            assertThat(e.userId()).isEqualTo("usr_1");
            assertThat(e.details()).containsEntry("reason", "schedule");
            assertThat(e.toString()).doesNotContain(fresh).doesNotContain(s.token());
        });
    }

    @Test
    void newTokenRotatesAgainAfterItsOwnUses() {
        IssuedSession s = w.open(TENANT, "usr_1");
        String second = rotate(s);

        assertThat(valid(validate(second)).rotatedToken()).isEmpty();
        assertThat(valid(validate(second)).rotatedToken()).isEmpty();
        String third = valid(validate(second)).rotatedToken().orElseThrow();

        assertThat(third).isNotEqualTo(second).isNotEqualTo(s.token());
        assertThat(rotations()).hasSize(2);
        valid(validate(third));
    }

    @Test
    void rotationIsDueAfterRotateAfterSeconds() {
        w.sessionPolicy(TENANT, Map.of("rotate_after_uses", 1_000_000, "rotate_after_seconds", 60));
        IssuedSession s = w.open(TENANT, "usr_1");

        w.advance(59);
        assertThat(valid(validate(s.token())).rotatedToken()).isEmpty();
        w.advance(1);
        String fresh = valid(validate(s.token())).rotatedToken().orElseThrow();

        w.advance(59);
        assertThat(valid(validate(fresh)).rotatedToken()).isEmpty();
        w.advance(1);
        assertThat(valid(validate(fresh)).rotatedToken()).isPresent();
    }

    @Test
    void roleChangeRotatesAtTheNextUseOnce() {
        String alice = w.user(TENANT, "alice", "Correct-Horse-9!", List.of("staff"));
        IssuedSession s = w.open(TENANT, alice);

        w.users.setRoles(OPERATOR, TENANT, alice, List.of("nurse"));

        Validation.Valid v = valid(validate(s.token()));
        assertThat(v.rotatedToken()).isPresent();
        assertThat(v.session().roles()).containsExactly("nurse");
        assertThat(v.session().rotatePending()).isFalse();
        assertThat(valid(validate(v.rotatedToken().get())).rotatedToken()).isEmpty();
        assertThat(rotations()).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("reason", "privilege_change"));
    }

    @Test
    void aPromotionIntoARoleThatRequiresMfaEndsPasswordOnlySessions() {
        String bob = w.user(TENANT, "bob", "Correct-Horse-9!", List.of("staff"));
        IssuedSession passwordOnly = w.open(TENANT, bob);
        IssuedSession withMfa = w.open(TENANT, bob, Session.AAL_MFA, StoreFixture.DESK);

        w.users.setRoles(OPERATOR, TENANT, bob, List.of("provider")); // in mfa.required_roles by default

        Validation.Invalid ended = invalid(validate(passwordOnly.token()));
        assertThat(ended.code()).isEqualTo("session_revoked");
        assertThat(ended.reason()).hasValue("mfa_required");
        assertThat(invalid(validate(passwordOnly.token())).reason()).as("and stays ended").hasValue("mfa_required");
        assertThat(valid(validate(withMfa.token())).session().roles()).as("a session that used MFA carries the new role")
                .containsExactly("provider");
        assertThat(w.auditOf(TENANT, "session.revoked")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("reason", "mfa_required"));
    }

    @Test
    void aPolicyThatStartsRequiringMfaEndsPasswordOnlySessionsOfThatRole() {
        String carol = w.user(TENANT, "carol", "Correct-Horse-9!", List.of("staff"));
        IssuedSession passwordOnly = w.open(TENANT, carol);
        assertThat(valid(validate(passwordOnly.token())).session().aal()).isEqualTo(Session.AAL_PASSWORD);

        w.tenants.updatePolicy(OPERATOR, TENANT, java.util.Map.of("mfa", java.util.Map.of("required_roles", List.of("staff"))));
        w.advance(6); // past the 5 s policy cache

        assertThat(invalid(validate(passwordOnly.token())).reason()).hasValue("mfa_required");
    }

    @Test
    void rotateNowIssuesANewTokenAndKeepsTheOldOneThroughGrace() {
        IssuedSession s = w.open(TENANT, "usr_1");

        String fresh = w.sessions.rotateNow(s.session(), s.token()).orElseThrow();

        assertThat(fresh).matches(TOKEN_SHAPE).isNotEqualTo(s.token());
        valid(validate(fresh));
        valid(validate(s.token()));
        assertThat(w.sessions.rotateNow(s.session(), s.token())).as("the old token is no longer current").isEmpty();
        w.advance(30);
        assertThat(invalid(validate(s.token())).code()).isEqualTo("session_expired");
        assertThat(rotations()).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("reason", "requested"));
    }

    @Test
    void revokedSessionCannotBeRotated() {
        IssuedSession s = w.open(TENANT, "usr_1");
        w.sessions.logout(s.session());

        assertThat(w.sessions.rotateNow(s.session(), s.token())).isEmpty();
    }

    @Test
    void oldTokenOfARevokedSessionAnswersRevokedEvenInGrace() {
        IssuedSession s = w.open(TENANT, "usr_1");
        rotate(s);

        w.sessions.logout(s.session());

        Validation.Invalid v = invalid(validate(s.token()));
        assertThat(v.code()).isEqualTo("session_revoked");
        assertThat(v.reason()).contains("logout");
    }

    @Test
    void everyTokenTheSessionHadAnswersExpiredForTheSessionsWholeLife() {
        IssuedSession s = w.open(TENANT, "usr_1");
        List<String> tokens = new ArrayList<>(List.of(s.token()));
        for (int i = 0; i < 4; i++) {
            tokens.add(rotateFrom(tokens.getLast()));
            w.advance(31); // past the grace period: only the newest token works
        }
        String current = tokens.removeLast();
        w.sessionPolicy(TENANT, Map.of("rotate_after_uses", 1_000_000));
        w.advance(6); // past the 5 s policy cache

        for (int hour = 0; hour < 11; hour++) {
            for (String old : tokens) {
                Validation.Invalid v = invalid(validate(old));
                assertThat(v.code()).as("token %d of %d, %d h on", tokens.indexOf(old) + 1, tokens.size() + 1, hour)
                        .isEqualTo("session_expired");
                assertThat(invalid(w.sessions.validate(old, StoreFixture.DESK)).code()).isEqualTo("session_expired");
            }
            for (int third = 0; third < 3; third++) {
                w.advance(1200); // inside the 30-minute idle timeout: the current token keeps the session alive
                assertThat(valid(validate(current)).rotatedToken()).isEmpty();
            }
        }
        w.advance(3600);
        assertThat(invalid(validate(current)).code()).as("past the 12 h absolute timeout").isEqualTo("session_expired");
        assertThat(tokens).allSatisfy(old -> assertThat(invalid(validate(old)).code()).isEqualTo("session_expired"));
    }

    @Test
    void everyTokenTheSessionHadAnswersRevokedWithTheReasonOnceItIsRevoked() {
        IssuedSession s = w.open(TENANT, "usr_1");
        List<String> tokens = new ArrayList<>(List.of(s.token()));
        for (int i = 0; i < 3; i++) {
            tokens.add(rotateFrom(tokens.getLast()));
            w.advance(31);
        }

        w.sessions.logout(s.session());

        for (String token : tokens) {
            Validation.Invalid v = invalid(validate(token));
            assertThat(v.code()).as("token %d of %d", tokens.indexOf(token) + 1, tokens.size()).isEqualTo("session_revoked");
            assertThat(v.reason()).contains("logout");
        }
    }

    @Test
    void aTokenTwoRotationsOldOfAnotherTenantIsStillAnotherTenants() {
        IssuedSession s = w.open(TENANT, "usr_1");
        String second = rotateFrom(s.token());
        rotateFrom(second);
        w.tenant("hosp-b", Map.of());

        assertThat(invalid(w.sessions.validateFor(sessionsKey("hosp-b"), s.token(), Optional.empty())).code())
                .isEqualTo("session_tenant_mismatch");
    }

    @RepeatedTest(5)
    void parallelValidationsThatAllTriggerRotationRotateOnceAndKeepTheSessionAlive() throws Exception {
        IssuedSession s = w.open(TENANT, "usr_1");
        valid(validate(s.token()));
        valid(validate(s.token()));
        // The next use of this token is the third: every parallel request below finds the rotation due.

        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Validation>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return validate(s.token());
                }));
            }
            assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
            go.countDown();

            List<Validation> outcomes = new ArrayList<>();
            for (Future<Validation> f : results) {
                outcomes.add(f.get(30, TimeUnit.SECONDS));
            }

            assertThat(outcomes).allSatisfy(v -> assertThat(v).isInstanceOf(Validation.Valid.class));
            List<String> rotated = outcomes.stream().map(v -> ((Validation.Valid) v).rotatedToken())
                    .flatMap(Optional::stream).toList();
            assertThat(rotated).hasSize(1);
            assertThat(rotations()).hasSize(1);
            Session stored = w.sessionStore.findById(s.session().id()).orElseThrow();
            assertThat(stored.liveAt(w.clock.instant())).isTrue();
            assertThat(stored.uses()).isEqualTo(2 + threads);
            assertThat(valid(validate(rotated.getFirst())).session().id()).isEqualTo(s.session().id());
            assertThat(valid(validate(s.token())).rotatedToken()).as("the old token is in grace").isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
