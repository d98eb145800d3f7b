package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditStore;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.session.DetachedSessionStore;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.session.SessionService;
import dev.ward.session.Validation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The order of effects (docs/decisions/0011): a session change is done and audited, or not done — when the database
 * fails between the session store and the audit trail, and when a node dies there (an intent left behind). On H2 and
 * PostgreSQL the change and its events are one transaction; on Redis and Redis Cluster the intent and its repair do it.
 */
class SessionChangeOrderTest extends StoreContract {
    private static final String T = "order";

    private StoreFixture w;
    private String userId;

    /** The real trail, failing the chosen types as on a lost database connection. */
    record FailingOn(AuditStore real, Set<String> failing) implements AuditStore {
        @Override
        public void append(Instant at, List<AuditEntry> entries) {
            if (entries.stream().anyMatch(e -> failing.contains(e.type()))) {
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

    @BeforeEach
    void setUp() {
        w = fixture("order");
        w.tenant(T);
        userId = w.user(T, "nurse", "Order-Of-Effects-1!", List.of("staff"));
    }

    private SessionService failingOn(String... types) {
        AuditTrail trail = new AuditTrail(new FailingOn(new SqlAuditStore(w.db), Set.of(types)), w.db::atomically, w.clock);
        return new SessionService(w.sessionStore, new SqlSessionIntents(w.db), w.revocations, w.refusals, w.tenants, w.guard, trail, w.clock);
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

    /** After the repair's wait, what any node's repair does. */
    private int repair() {
        w.clock.advance(SessionService.REPAIR_AFTER.plusSeconds(1));
        return w.sessions.repairInterrupted("node-b");
    }

    @Test
    void aLogoutWhoseEventCannotBeWrittenIsFinishedAndRecordedByTheRepair() {
        String token = w.open(T, userId).token();
        Session s = w.sessions.validate(token, StoreFixture.DESK) instanceof Validation.Valid v ? v.session() : null;

        assertThatThrownBy(() -> failingOn("session.revoked").logout(s)).isInstanceOf(StoreUnavailableException.class);

        if (!detached()) {
            assertThat(w.sessions.validate(token, StoreFixture.DESK)).as("rolled back: still live").isInstanceOf(Validation.Valid.class);
            assertThat(events("session.revoked")).isZero();
            assertThat(intents()).isZero();
            return;
        }
        // Revoked in Redis at once (the fail-safe direction); recorded by the repair.
        assertThat(events("session.revoked")).isZero();
        assertThat(intents()).isEqualTo(1);
        assertThat(repair()).isEqualTo(1);
        assertThat(events("session.revoked")).isEqualTo(1);
        assertThat(w.audit.recent(T, "session.revoked", 1).getFirst().details()).containsEntry("reason", "logout");
        assertThat(((Validation.Invalid) w.sessions.validate(token, StoreFixture.DESK)).code()).isEqualTo("session_revoked");
        assertThat(intents()).isZero();
        assertThat(repair()).as("repaired once").isZero();
        assertThat(events("session.revoked")).isEqualTo(1);
    }

    @Test
    void aRotationWhoseEventCannotBeWrittenIsNotMadeAndTheHolderKeepsItsToken() {
        String token = w.open(T, userId).token();
        w.tenants.updatePolicy(StoreFixture.OPERATOR, T, Map.of("session", Map.of("rotate_after_uses", 1)));

        Validation next = failingOn("session.rotated").validate(token, StoreFixture.DESK);

        assertThat(next).as("the use stands, without a new token").isInstanceOfSatisfying(Validation.Valid.class,
                v -> assertThat(v.rotatedToken()).isEmpty());
        assertThat(events("session.rotated")).isZero();
        // On Redis the rotation was taken back at once; its intent remains, and the repair finds nothing left to undo.
        assertThat(repair()).isEqualTo(detached() ? 1 : 0);
        assertThat(events("session.rotated")).isZero();
        // The old token is still the current one: the next use rotates, recorded.
        Validation later = w.sessions.validate(token, StoreFixture.DESK);
        assertThat(later).isInstanceOfSatisfying(Validation.Valid.class, v -> assertThat(v.rotatedToken()).isPresent());
        assertThat(events("session.rotated")).isEqualTo(1);
    }

    @Test
    void aNodeThatDiedMidRotationHasItsRotationTakenBack() {
        if (!detached()) {
            return; // in the database a rotation and its event are one transaction: there is no middle to die in
        }
        String token = w.open(T, userId).token();
        Session s = ((Validation.Valid) w.sessions.validate(token, StoreFixture.DESK)).session();
        String oldHash = Secrets.sha256Hex(token);
        String fresh = SessionRoute.newToken(s.id());
        String newHash = Secrets.sha256Hex(fresh);
        // What the dead node did: the intent, then the rotation in Redis, and nothing after.
        new SqlSessionIntents(w.db).begin("rotate", T, userId, Map.of("session_id", s.id(), "old", oldHash, "new", newHash),
                w.clock.instant());
        assertThat(w.sessionStore.rotate(s.id(), oldHash, newHash, w.clock.instant(), w.clock.instant().plusSeconds(30))).isTrue();

        assertThat(repair()).isEqualTo(1);

        assertThat(w.sessionStore.touch(SessionRoute.parse(fresh).orElseThrow(), T, w.clock.instant()))
                .as("the token nobody received is gone").isInstanceOf(Lookup.Unknown.class);
        assertThat(w.sessionStore.touch(SessionRoute.parse(token).orElseThrow(), T, w.clock.instant()))
                .isInstanceOfSatisfying(Lookup.Touched.class, t -> assertThat(t.current()).as("current again").isTrue());
        assertThat(events("session.rotated")).isZero();
    }

    @Test
    void signingOutEverywhereWhoseEventsCannotBeWrittenIsRecordedForEverySessionByTheRepair() {
        String a = w.open(T, userId).token();
        String b = w.open(T, userId).token();
        String c = w.open(T, userId).token();
        Session keep = ((Validation.Valid) w.sessions.validate(a, StoreFixture.DESK)).session();

        assertThatThrownBy(() -> failingOn("session.revoked").endOthers(keep)).isInstanceOf(StoreUnavailableException.class);

        if (!detached()) {
            assertThat(w.sessions.validate(b, StoreFixture.DESK)).isInstanceOf(Validation.Valid.class);
            assertThat(events("session.revoked")).isZero();
            return;
        }
        assertThat(repair()).isEqualTo(1);
        assertThat(w.audit.recent(T, "session.revoked", 10)).hasSize(2)
                .allSatisfy(e -> assertThat(e.details()).containsEntry("reason", "logout").containsEntry("by_session", keep.id()));
        for (String t : List.of(b, c)) {
            assertThat(((Validation.Invalid) w.sessions.validate(t, StoreFixture.DESK)).code()).isEqualTo("session_revoked");
        }
        assertThat(w.sessions.validate(a, StoreFixture.DESK)).isInstanceOf(Validation.Valid.class);
    }

    @Test
    void aNodeThatDiedMidLoginLeavesASessionTheRepairEndsAndRecordsWithWhatItEvicted() {
        if (!detached()) {
            return; // in the database a login's session and its events are one transaction
        }
        w.tenants.updatePolicy(StoreFixture.OPERATOR, T, Map.of("session", Map.of("max_concurrent", 1)));
        String first = w.open(T, userId).token();
        Session old = ((Validation.Valid) w.sessions.validate(first, StoreFixture.DESK)).session();
        long createdBefore = events("session.created");
        // What the dead node did: the intent, then the admission (which evicted the first session), and nothing after.
        int route = SessionRoute.of(T, userId);
        Session fresh = new Session(SessionRoute.newSessionId(route), T, userId, "nurse", List.of("staff"), 1, w.clock.instant(),
                w.clock.instant(), w.clock.instant().plusSeconds(600), w.clock.instant().plusSeconds(3600), 0, StoreFixture.DESK,
                null, null, w.clock.instant(), 0, false);
        new SqlSessionIntents(w.db).begin("admit", T, userId, Map.of("session_id", fresh.id()), w.clock.instant());
        w.sessionStore.admit(fresh, Secrets.sha256Hex(SessionRoute.newToken(fresh.id())), java.time.Duration.ofMinutes(10), 1,
                dev.ward.tenant.Policy.OnLimit.EVICT_OLDEST, w.clock.instant());

        assertThat(repair()).isEqualTo(1);

        assertThat(w.sessionStore.findById(fresh.id())).hasValueSatisfying(s -> assertThat(s.revokeReason()).isEqualTo("login_aborted"));
        assertThat(events("session.created")).isEqualTo(createdBefore + 1);
        assertThat(w.audit.recent(T, "session.revoked", 10)).extracting(e -> e.sessionId() + ":" + e.details().get("reason"))
                .containsExactlyInAnyOrder(old.id() + ":evicted", fresh.id() + ":login_aborted");
        assertThat(w.sessionStore.live(T, userId, w.clock.instant(), 10)).as("no orphan holds a place").isEmpty();
    }

    @Test
    void aChangeThatOutlivesTheRepairsWaitIsNotRecordedTwice() {
        if (!detached()) {
            return;
        }
        long intent = new SqlSessionIntents(w.db).begin("revoke", T, userId, Map.of("session_id", "ses_x", "reason", "logout",
                "actor", "system"), w.clock.instant());
        w.clock.advance(SessionService.REPAIR_AFTER.plusSeconds(1));
        assertThat(w.sessions.repairInterrupted("node-a")).isEqualTo(1);
        assertThat(new SqlSessionIntents(w.db).done(intent)).as("the slow request finds its intent taken").isFalse();
    }

    @Test
    void twoNodesRepairingAtOnceRepairEachIntentOnce() throws Exception {
        if (!detached()) {
            return;
        }
        String token = w.open(T, userId).token();
        Session s = ((Validation.Valid) w.sessions.validate(token, StoreFixture.DESK)).session();
        try {
            failingOn("session.revoked").logout(s);
        } catch (StoreUnavailableException expected) {
            // the interruption under test
        }
        w.clock.advance(SessionService.REPAIR_AFTER.plusSeconds(1));
        StoreFixture other = new StoreFixture(w);
        other.clock.set(w.clock.instant());
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        var a = pool.submit(() -> w.sessions.repairInterrupted("node-a"));
        var b = pool.submit(() -> other.sessions.repairInterrupted("node-b"));
        assertThat(a.get() + b.get()).isEqualTo(1);
        pool.shutdown();
        assertThat(events("session.revoked")).isEqualTo(1);
        assertThat(Optional.of(intents())).hasValue(0L);
    }
}
