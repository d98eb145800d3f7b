package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.sessionsKey;
import static dev.ward.store.sql.StoreFixture.validSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.session.IssuedSession;
import dev.ward.session.Session;
import dev.ward.session.Validation;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Idle and absolute expiry on the hot path (validation by an app back-end), timed with a fake clock. */
class SessionExpiryTest extends StoreContract {
    private static final String TENANT = "hosp-a";
    private static final long IDLE = 600;
    private static final long ABSOLUTE = 1000;

    private StoreFixture w;
    private Instant t0;

    @BeforeEach
    void setUp() {
        w = fixture("expiry");
        // Rotation would replace the token under test; it has its own test class.
        w.tenant(TENANT, Map.of("idle_timeout_seconds", IDLE, "absolute_timeout_seconds", ABSOLUTE,
                "rotate_after_seconds", 86_400, "rotate_after_uses", 1_000_000));
        t0 = w.clock.instant();
    }

    private Validation validate(String token) {
        return w.sessions.validateFor(sessionsKey(TENANT), token, Optional.empty());
    }

    @Test
    void idleExpirySlidesOnEachUseButNeverPastTheAbsoluteOne() {
        IssuedSession issued = w.open(TENANT, "usr_1");
        assertThat(issued.session().idleExpiresAt()).isEqualTo(t0.plusSeconds(IDLE));

        w.advance(300);
        assertThat(validSession(validate(issued.token())).idleExpiresAt()).isEqualTo(t0.plusSeconds(300 + IDLE));

        w.advance(300);
        Session clipped = validSession(validate(issued.token()));
        assertThat(clipped.idleExpiresAt()).isEqualTo(t0.plusSeconds(ABSOLUTE)).isEqualTo(clipped.absoluteExpiresAt());
        assertThat(clipped.absoluteExpiresAt()).isEqualTo(issued.session().absoluteExpiresAt());

        w.advance(399);
        assertThat(validSession(validate(issued.token())).idleExpiresAt()).isEqualTo(t0.plusSeconds(ABSOLUTE));
        w.advance(1);
        assertThat(invalid(validate(issued.token())).code()).isEqualTo("session_expired");
    }

    @Test
    void unusedSessionExpiresExactlyAtItsIdleTimeout() {
        w.sessionPolicy(TENANT, Map.of("absolute_timeout_seconds", 3600));
        IssuedSession issued = w.open(TENANT, "usr_1");

        w.advance(IDLE - 1);
        validSession(validate(issued.token()));
        w.advance(IDLE - 1);
        validSession(validate(issued.token()));
        w.advance(IDLE);

        Validation.Invalid expired = invalid(validate(issued.token()));
        assertThat(expired.code()).isEqualTo("session_expired");
        assertThat(expired.reason()).isEmpty();
    }

    @Test
    void absoluteLifetimeEndsABusySession() {
        IssuedSession issued = w.open(TENANT, "usr_1");
        while (w.clock.instant().isBefore(t0.plusSeconds(ABSOLUTE - 10))) {
            w.advance(10);
            validSession(validate(issued.token()));
        }

        w.advance(10);

        assertThat(invalid(validate(issued.token())).code()).isEqualTo("session_expired");
        assertThat(invalid(w.sessions.validate(issued.token(), StoreFixture.DESK)).code()).isEqualTo("session_expired");
    }

    @Test
    void usesCountEveryValidationButNotTheRefusedOnes() {
        IssuedSession issued = w.open(TENANT, "usr_1");
        for (int i = 1; i <= 5; i++) {
            w.advance(1);
            assertThat(validSession(validate(issued.token())).uses()).isEqualTo(i);
        }
        w.sessions.validateFor(sessionsKey("hosp-b"), issued.token(), Optional.empty());
        assertThat(w.sessionStore.findById(issued.session().id()).orElseThrow().uses()).isEqualTo(5);

        w.advance(IDLE);
        validate(issued.token());

        Session stored = w.sessionStore.findById(issued.session().id()).orElseThrow();
        assertThat(stored.uses()).isEqualTo(5);
        assertThat(stored.lastSeenAt()).isEqualTo(t0.plusSeconds(5));
    }

    @Test
    void expiredSessionIsNotListedAsLive() {
        IssuedSession issued = w.open(TENANT, "usr_1");
        w.advance(IDLE);

        assertThat(w.sessionStore.live(TENANT, "usr_1", w.clock.instant(), 10)).isEmpty();
        assertThat(w.sessionStore.findById(issued.session().id())).isPresent();
    }

    @Test
    void plainSuccessfulValidationWritesNoAuditEvent() {
        IssuedSession issued = w.open(TENANT, "usr_1");
        long before = w.audit.recent(null, null, 1000).size();

        for (int i = 0; i < 3; i++) {
            validSession(validate(issued.token()));
        }

        assertThat(w.audit.recent(null, null, 1000)).hasSize((int) before);
    }
}
