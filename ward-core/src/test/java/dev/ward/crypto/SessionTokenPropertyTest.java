package dev.ward.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditStore;
import dev.ward.audit.AuditTrail;
import dev.ward.cache.Invalidations;
import dev.ward.session.Admission;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Opening;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.session.SessionService;
import dev.ward.session.SessionStore;
import dev.ward.session.SessionToken;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.tenant.TenantStore;
import dev.ward.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/**
 * Session tokens as {@link SessionService#open} hands them out: {@code wst_} + 62 base64url characters (the session's
 * id, then 32 random bytes), never repeated, and stored only as their SHA-256. (The SQL store is not on this module's classpath; the
 * token comes from the service whatever the store, so a recording store stands in for it here.)
 */
class SessionTokenPropertyTest {
    private static final Set<String> SEEN_TOKENS = ConcurrentHashMap.newKeySet();
    private static final Set<String> SEEN_IDS = ConcurrentHashMap.newKeySet();

    /** Admits every session and remembers the token hash it was given. */
    private static final class RecordingStore implements SessionStore {
        final Map<String, Session> byHash = new ConcurrentHashMap<>();

        @Override public Admission admit(Session s, String tokenHash, Duration idle, int max, Policy.OnLimit onLimit, Instant now) {
            byHash.put(tokenHash, s);
            return new Admission.Admitted(List.of());
        }
        @Override public Lookup touch(SessionToken token, String tenant, Instant now) { return new Lookup.Unknown(); }
        @Override public boolean rotate(String id, String oldHash, String newHash, Instant now, Instant grace) { return false; }
        @Override public Optional<Session> findById(String id) { return Optional.empty(); }
        @Override public boolean revoke(String id, String reason, Instant now) { return false; }
        @Override public List<Session> revokeAllOfUser(String t, String u, String keep, String reason, Instant now) { return List.of(); }
        @Override public void awaitRevocationReplicas(String t, String u) { }
        @Override public List<Session> live(String t, String u, Instant now, int limit) { return List.of(); }
        @Override public void updateRoles(String t, String u, List<String> roles) { }
        @Override public boolean setAal(String id, int aal, Instant now) { return false; }
        @Override public void updateClient(String id, Client c) { }
        @Override public Map<String, Long> countForCleanup(CleanupCriteria c, Instant now) { return Map.of(); }
        @Override public List<Session> nextForCleanup(CleanupCriteria c, Instant now, int limit) { return List.of(); }
        @Override public Optional<String> tenantOf(SessionToken token) { return Optional.empty(); }
        @Override public boolean delete(String id) { return false; }
    }

    private static final class NoTenants implements TenantStore {
        @Override public boolean insert(Tenant t) { return true; }
        @Override public Optional<Tenant> find(String id) { return Optional.empty(); }
        @Override public List<Tenant> list() { return List.of(); }
        @Override public boolean updatePolicy(String id, Policy p, long v) { return false; }
    }

    /** A single process: nobody else changes the (empty) tenant store. */
    private static final class NoOtherNodes implements Invalidations {
        @Override public void publish(String topic) { }
        @Override public boolean live() { return true; }
        @Override public void subscribe(String topic, Runnable changed) { }
    }

    /** The recording store is not detached from the database, so no intent is ever written. */
    private static final dev.ward.session.SessionIntents NO_INTENTS = new dev.ward.session.SessionIntents() {
        @Override public long begin(String k, String t, String u, Map<String, Object> p, Instant now) { throw new IllegalStateException(); }
        @Override public boolean done(long id) { throw new IllegalStateException(); }
        @Override public boolean pending(long id) { throw new IllegalStateException(); }
        @Override public void finish(long id, String claimant) { throw new IllegalStateException(); }
        @Override public List<dev.ward.session.SessionIntents.Intent> claimInterrupted(Instant b, Instant s, String c, int l, Instant n) {
            throw new IllegalStateException();
        }
    };

    private static final class DiscardingAudit implements AuditStore {
        @Override public void append(Instant at, List<AuditEntry> e) { }
        @Override public long appendOne(Instant at, AuditEntry e) { return 0; }
        @Override public List<AuditEvent> recent(String tenant, String type, int limit) { return List.of(); }
    }

    @Property(tries = 300)
    void openedSessionTokensHaveTheWstShapeAndAreNeverRepeated(
            @ForAll @AlphaChars @StringLength(min = 1, max = 20) String user,
            @ForAll @IntRange(min = 0, max = 2) int aal,
            @ForAll @IntRange(min = 1, max = 20) int count) {
        MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
        AuditTrail audit = new AuditTrail(new DiscardingAudit(), java.util.function.Supplier::get, clock);
        RecordingStore store = new RecordingStore();
        SessionService sessions = new SessionService(store, NO_INTENTS, dev.ward.session.SessionRevocations.NONE, dev.ward.session.RefusedChanges.NONE, new TenantService(new NoTenants(), new dev.ward.crypto.SealedPolicySecrets(new MasterKeyCipher(MasterKey.load(Optional.of(Base64.getEncoder().encodeToString(Secrets.randomBytes(MasterKey.LENGTH))), java.nio.file.Path.of(".")))), new AdminGuard(audit), audit, new NoOtherNodes(), clock),
                new AdminGuard(audit), audit, clock);

        for (int i = 0; i < count; i++) {
            Opening o = sessions.open("hosp-a", "usr_" + user, user, List.of("staff"), aal, Policy.defaults(), Client.UNKNOWN,
                    opening -> { });
            assertThat(o).isInstanceOf(Opening.Opened.class);
            var issued = ((Opening.Opened) o).issued();
            String token = issued.token();

            assertThat(token).matches("wst_[A-Za-z0-9_-]{62}");
            byte[] raw = Base64.getUrlDecoder().decode(token.substring(4));
            assertThat(raw).hasSize(46);
            int route = SessionRoute.of("hosp-a", "usr_" + user);
            assertThat(((raw[0] & 0xff) << 8) | (raw[1] & 0xff)).as("route bytes").isEqualTo(route);
            assertThat(java.util.HexFormat.of().formatHex(raw, 0, 14)).as("the session's id").isEqualTo(issued.session().id().substring(4));
            assertThat(SEEN_TOKENS.add(token)).as("token repeated").isTrue();
            assertThat(SEEN_IDS.add(issued.session().id())).as("session id repeated").isTrue();
            assertThat(issued.session().id()).matches("ses_[0-9a-f]{28}");
            assertThat(SessionRoute.ofSessionId(issued.session().id())).hasValue(route);
            assertThat(SessionRoute.ofToken(token)).hasValue(route);
            assertThat(store.byHash.get(Secrets.sha256Hex(token))).isSameAs(issued.session());
            assertThat(issued.toString()).doesNotContain(token);
        }
    }
}
