package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditStore;
import dev.ward.audit.AuditTrail;
import dev.ward.auth.LoginLimits;
import dev.ward.auth.LoginRequest;
import dev.ward.auth.LoginResult;
import dev.ward.auth.LoginService;
import dev.ward.session.SessionService;
import dev.ward.problem.StoreUnavailableException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A login that fails midway leaves no session behind: the audit store (the real one, wrapped) refuses
 * the {@code login.succeeded} event as if the database had just gone away.
 */
class LoginAtomicityTest extends StoreContract {
    static final String PASSWORD = "Atomic-Login-Pass-1!";

    /** The real audit store, except that chosen event types fail as on a lost connection. */
    record FailingOn(AuditStore real, String failingType) implements AuditStore {
        @Override
        public void append(Instant at, List<AuditEntry> entries) {
            if (entries.stream().anyMatch(e -> e.type().equals(failingType))) {
                throw new StoreUnavailableException("database", null);
            }
            real.append(at, entries);
        }

        @Override
        public long appendOne(Instant at, AuditEntry entry) {
            append(at, List.of(entry));
            return 0;
        }

        @Override
        public List<AuditEvent> recent(String tenant, String type, int limit) {
            return real.recent(tenant, type, limit);
        }
    }

    @Test
    void aLoginWhoseAuditFailsLeavesNoLiveSession() {
        StoreFixture w = fixture("atomic");
        w.tenants.create(StoreFixture.OPERATOR, "atom", "Atom", java.util.Map.of());
        String userId = w.users.create(StoreFixture.OPERATOR, "atom", "ida", PASSWORD, List.of("staff")).user().id();
        AuditTrail failing = new AuditTrail(new FailingOn(new SqlAuditStore(w.db), "login.succeeded"), w.db::atomically, w.clock);
        LoginService login = new LoginService(w.tenants, w.userStore, w.lockouts, w.history, StoreFixture.ALWAYS_ALLOWS,
                LoginLimits.DEFAULT, StoreFixture.HASHER, w.sessions, w.mfa, w.challenges, dev.ward.geo.Geolocation.OFF, w.guard, failing, w.clock);

        assertThatThrownBy(() -> login.login(Optional.empty(), new LoginRequest("atom", "ida", PASSWORD, StoreFixture.DESK)))
                .isInstanceOf(StoreUnavailableException.class);
        assertThat(w.sessionStore.live("atom", userId, w.clock.instant(), 10)).isEmpty();
        if (w.sessionStore instanceof dev.ward.session.DetachedSessionStore) {
            // In Redis the session existed for a moment (ended at once): the repair records it, created and aborted.
            assertThat(w.audit.recent("atom", "session.created", 10)).isEmpty();
            w.clock.advance(SessionService.REPAIR_AFTER.plusSeconds(1));
            assertThat(w.sessions.repairInterrupted("test")).isEqualTo(1);
            assertThat(w.audit.recent("atom", "session.created", 10)).singleElement()
                    .satisfies(e -> assertThat(e.details()).containsEntry("repaired", true));
            assertThat(w.audit.recent("atom", "session.revoked", 10)).singleElement()
                    .satisfies(e -> assertThat(e.details()).containsEntry("reason", "login_aborted"));
            assertThat(w.sessions.repairInterrupted("test")).as("once").isZero();
            // Kept durably with its event, so a Redis restored from before cannot bring it back (decision 0014).
            assertThat(w.revocations.live(w.clock.instant())).extracting(dev.ward.session.SessionRevocations.Revoked::reason)
                    .containsExactly("login_aborted");
        } else {
            assertThat(w.audit.recent("atom", "session.created", 10)).as("rolled back with the login").isEmpty();
        }

        // With the audit back, the same login works and is recorded.
        assertThat(w.login.login(Optional.empty(), new LoginRequest("atom", "ida", PASSWORD, StoreFixture.DESK)))
                .isInstanceOf(LoginResult.Authenticated.class);
        assertThat(w.sessionStore.live("atom", userId, w.clock.instant(), 10)).hasSize(1);
        assertThat(w.audit.recent("atom", "login.succeeded", 10)).hasSize(1);
    }
}
