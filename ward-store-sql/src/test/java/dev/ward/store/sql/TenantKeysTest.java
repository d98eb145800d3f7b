package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static dev.ward.store.sql.StoreFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ward.access.Actor;
import dev.ward.audit.AuditEvent;
import dev.ward.crypto.Ciphertext;
import dev.ward.crypto.KeyRewrap;
import dev.ward.crypto.KeyState;
import dev.ward.crypto.KeyVersion;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.TenantKeys;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tenant keys: lazy creation, sealing and binding, rotation (on demand, on schedule, on other nodes), rewrap, destruction. */
class TenantKeysTest extends StoreContract {
    private static final byte[] SECRET = "MRN-4711 Jane Roe".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CONTEXT = "patient-4711".getBytes(StandardCharsets.UTF_8);

    private StoreFixture w;

    @BeforeEach
    void setUp() {
        w = fixture("keys");
        w.tenant("hosp-a");
        w.tenant("hosp-b");
    }

    private String seal(String tenant) {
        return w.keys.seal(tenant, "note", SECRET, CONTEXT);
    }

    private Throwable openFailure(String tenant, String field, String sealed, byte[] context) {
        return catchThrowable(() -> w.keys.open(tenant, field, sealed, context));
    }

    private Map<Integer, KeyState> states(String tenant) {
        Map<Integer, KeyState> out = new java.util.TreeMap<>();
        w.keys.list(OPERATOR, tenant).forEach(v -> out.put(v.version(), v.state()));
        return out;
    }

    @Test
    void firstUseCreatesVersionOneAndValuesRoundTrip() {
        assertThat(w.keys.list(OPERATOR, "hosp-a")).isEmpty();

        String sealed = seal("hosp-a");

        assertThat(sealed).startsWith("ward:v1:");
        assertThat(w.keys.open("hosp-a", "note", sealed, CONTEXT)).isEqualTo(SECRET);
        assertThat(states("hosp-a")).containsExactly(Map.entry(1, KeyState.PRIMARY));
        assertThat(w.auditOf("hosp-a", "key.created")).hasSize(1);
        assertThat(seal("hosp-a")).as("a fresh data key and nonce each time").isNotEqualTo(sealed);
    }

    @Test
    void aValueOpensOnlyForItsTenantFieldAndContext() {
        String sealed = seal("hosp-a");
        seal("hosp-b");

        for (Throwable t : List.of(openFailure("hosp-a", "other-field", sealed, CONTEXT),
                openFailure("hosp-a", "note", sealed, "patient-4712".getBytes(StandardCharsets.UTF_8)),
                openFailure("hosp-a", "note", sealed, new byte[0]),
                openFailure("hosp-b", "note", sealed, CONTEXT))) {
            assertThat(t).isExactlyInstanceOf(MasterKeyCipher.DecryptionException.class);
            assertThat(t.getMessage()).doesNotContain("MRN");
        }
    }

    @Test
    void everyFlippedByteIsRefused() {
        Ciphertext c = Ciphertext.parse(seal("hosp-a")).orElseThrow();
        for (int i = 0; i < c.envelope().length; i++) {
            byte[] forged = c.envelope().clone();
            forged[i] ^= 0x01;
            String text = new Ciphertext(c.version(), forged).text();
            assertThat(openFailure("hosp-a", "note", text, CONTEXT)).as("byte %d", i)
                    .isExactlyInstanceOf(MasterKeyCipher.DecryptionException.class);
        }
        assertThat(openFailure("hosp-a", "note", new Ciphertext(2, c.envelope()).text(), CONTEXT)).as("another version")
                .isExactlyInstanceOf(MasterKeyCipher.DecryptionException.class);
        for (String garbage : List.of("", "ward:v1:", "ward:v1:!!", "ward:v0:AAAA", "m1:AAAA", "ward:v1:AAAA",
                "ward:v99999999999:AAAA", c.text().substring(0, 20))) {
            assertThat(openFailure("hosp-a", "note", garbage, CONTEXT)).as("'%s'", garbage)
                    .isExactlyInstanceOf(MasterKeyCipher.DecryptionException.class);
        }
    }

    @Test
    void rotationMakesANewPrimaryAndOldValuesStillOpen() {
        String underV1 = seal("hosp-a");

        List<KeyVersion> after = w.keys.rotate(OPERATOR, "hosp-a");

        assertThat(after).extracting(KeyVersion::version).containsExactly(2, 1);
        assertThat(states("hosp-a")).containsExactly(Map.entry(1, KeyState.ACTIVE), Map.entry(2, KeyState.PRIMARY));
        assertThat(seal("hosp-a")).startsWith("ward:v2:");
        assertThat(w.keys.open("hosp-a", "note", underV1, CONTEXT)).isEqualTo(SECRET);
        AuditEvent rotated = w.auditOf("hosp-a", "key.rotated").getFirst();
        assertThat(rotated.details()).containsEntry("version", 2).containsEntry("previous_version", 1)
                .containsEntry("reason", "on_demand");
        assertThat(rotated.actor()).isEqualTo("operator");
    }

    @Test
    void rotatingATenantWithoutKeysCreatesItsFirst() {
        assertThat(w.keys.rotate(OPERATOR, "hosp-b")).singleElement().satisfies(v -> {
            assertThat(v.version()).isEqualTo(1);
            assertThat(v.state()).isEqualTo(KeyState.PRIMARY);
        });
    }

    @Test
    void rewrapMovesAValueToThePrimaryWithoutChangingItsBinding() {
        String underV1 = seal("hosp-a");
        w.keys.rotate(OPERATOR, "hosp-a");

        String rewrapped = w.keys.rewrap("hosp-a", underV1);

        assertThat(rewrapped).startsWith("ward:v2:");
        assertThat(w.keys.open("hosp-a", "note", rewrapped, CONTEXT)).isEqualTo(SECRET);
        assertThat(catchThrowable(() -> w.keys.open("hosp-a", "other", rewrapped, CONTEXT)))
                .isInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(w.keys.rewrap("hosp-a", rewrapped)).as("current already").isEqualTo(rewrapped);
        assertThat(catchThrowable(() -> w.keys.rewrap("hosp-b", underV1))).as("another tenant's")
                .isInstanceOf(MasterKeyCipher.DecryptionException.class);

        w.clock.advance(TenantKeys.FRESHNESS);
        w.keys.destroy(OPERATOR, "hosp-a", 1, false);
        assertThat(w.keys.open("hosp-a", "note", rewrapped, CONTEXT)).as("survives the old version").isEqualTo(SECRET);
    }

    @Test
    void destroyingAVersionShredsWhatItSealed() {
        String underV1 = seal("hosp-a");
        w.keys.rotate(OPERATOR, "hosp-a");
        String underV2 = seal("hosp-a");
        w.clock.advance(TenantKeys.FRESHNESS);

        List<KeyVersion> after = w.keys.destroy(OPERATOR, "hosp-a", 1, false);

        assertThat(after).filteredOn(v -> v.version() == 1).singleElement().satisfies(v -> {
            assertThat(v.state()).isEqualTo(KeyState.DESTROYED);
            assertThat(v.destroyedAt()).isEqualTo(w.clock.instant());
        });
        assertThat(openFailure("hosp-a", "note", underV1, CONTEXT)).isInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(catchThrowable(() -> w.keys.rewrap("hosp-a", underV1))).isInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(w.keys.open("hosp-a", "note", underV2, CONTEXT)).isEqualTo(SECRET);
        assertThat(w.count("SELECT COUNT(*) FROM key_versions WHERE version = 1 AND wrapped_keyset IS NULL")).isEqualTo(1);
        assertThat(w.auditOf("hosp-a", "key.destroyed")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("version", 1));

        w.keys.destroy(OPERATOR, "hosp-a", 1, false);
        assertThat(w.auditOf("hosp-a", "key.destroyed")).as("destroying again changes nothing").hasSize(1);
        StoreFixture restarted = new StoreFixture(w);
        assertThat(catchThrowable(() -> restarted.keys.open("hosp-a", "note", underV1, CONTEXT))).as("a restart cannot bring it back")
                .isInstanceOf(MasterKeyCipher.DecryptionException.class);
    }

    @Test
    void thePrimaryAndUnknownVersionsCannotBeDestroyed() {
        seal("hosp-a");

        ProblemException primary = refusal(() -> w.keys.destroy(OPERATOR, "hosp-a", 1, true));
        assertThat(primary.status()).isEqualTo(409);
        assertThat(primary.code()).isEqualTo("key_version_primary");
        assertThat(refusal(() -> w.keys.destroy(OPERATOR, "hosp-a", 7, true)).code()).isEqualTo("key_version_not_found");
        assertThat(refusal(() -> w.keys.destroy(OPERATOR, "nowhere", 1, true)).code()).isEqualTo("tenant_not_found");
        assertThat(w.keyStore.destroy("hosp-a", 1, w.clock.instant())).as("the store refuses the primary too").isFalse();
        assertThat(states("hosp-a")).containsExactly(Map.entry(1, KeyState.PRIMARY));
    }

    @Test
    void onlyAdministratorsOfTheTenantManageItsKeys() {
        Actor.User adminOfB = new Actor.User("hosp-b", "usr_b", "bea", Set.of("admin"), "ses_b");
        Actor.User staffOfA = new Actor.User("hosp-a", "usr_a", "al", Set.of("staff"), "ses_a");

        assertThat(refusal(() -> w.keys.rotate(adminOfB, "hosp-a")).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> w.keys.list(staffOfA, "hosp-a")).code()).isEqualTo("forbidden");
        assertThat(w.keys.list(adminOfB, "hosp-b")).isEmpty();
        assertThat(w.keys.list(OPERATOR, "hosp-a")).isEmpty();
    }

    @Test
    void keysSurviveARestartOnTheSameDatabase() {
        String sealed = seal("hosp-a");
        w.keys.rotate(OPERATOR, "hosp-a");
        String later = seal("hosp-a");

        StoreFixture restarted = new StoreFixture(w);

        assertThat(restarted.keys.open("hosp-a", "note", sealed, CONTEXT)).isEqualTo(SECRET);
        assertThat(restarted.keys.open("hosp-a", "note", later, CONTEXT)).isEqualTo(SECRET);
        assertThat(restarted.keys.seal("hosp-a", "note", SECRET, CONTEXT)).startsWith("ward:v2:");
    }

    @Test
    void anotherNodeSealsUnderANewPrimaryAtOnce() {
        StoreFixture other = new StoreFixture(w);
        assertThat(other.invalidations.live()).as("its caches serve").isTrue();
        assertThat(other.keys.seal("hosp-a", "note", SECRET, CONTEXT)).startsWith("ward:v1:");

        w.keys.rotate(OPERATOR, "hosp-a");

        assertThat(other.keys.seal("hosp-a", "note", SECRET, CONTEXT)).as("its cached primary was cleared").startsWith("ward:v2:");
        assertThat(other.keys.open("hosp-a", "note", seal("hosp-a"), CONTEXT)).isEqualTo(SECRET);
    }

    @Test
    void anotherNodeStopsDecryptingADestroyedVersionAtOnce() {
        StoreFixture other = new StoreFixture(w);
        assertThat(other.invalidations.live()).as("its caches serve").isTrue();
        String underV1 = seal("hosp-a");
        assertThat(other.keys.open("hosp-a", "note", underV1, CONTEXT)).isEqualTo(SECRET);
        w.keys.rotate(OPERATOR, "hosp-a");
        w.clock.advance(TenantKeys.FRESHNESS);
        assertThat(other.keys.open("hosp-a", "note", underV1, CONTEXT)).as("cached again on the other node").isEqualTo(SECRET);

        w.keys.destroy(OPERATOR, "hosp-a", 1, false);

        assertThat(catchThrowable(() -> other.keys.open("hosp-a", "note", underV1, CONTEXT)))
                .isInstanceOf(MasterKeyCipher.DecryptionException.class);
    }

    @Test
    void aVersionThatWasPrimaryMomentsAgoIsDestroyedOnlyAfterTheCacheLifetime() {
        seal("hosp-a");
        w.keys.rotate(OPERATOR, "hosp-a");
        Instant demoted = w.keyStore.version("hosp-a", 2).orElseThrow().createdAt();
        w.clock.advance(TenantKeys.FRESHNESS.minusMillis(1));

        ProblemException early = refusal(() -> w.keys.destroy(OPERATOR, "hosp-a", 1, true));

        assertThat(early.status()).isEqualTo(409);
        assertThat(early.code()).isEqualTo("key_version_recently_primary");
        assertThat(early.extensions()).containsEntry("destroyable_at", demoted.plus(TenantKeys.FRESHNESS).toString())
                .containsEntry("retry_after", 1L);
        assertThat(early.detail()).contains(demoted.plus(TenantKeys.FRESHNESS).toString());
        assertThat(states("hosp-a")).containsEntry(1, KeyState.ACTIVE);
        w.clock.advance(java.time.Duration.ofMillis(1));
        assertThat(w.keys.destroy(OPERATOR, "hosp-a", 1, false)).filteredOn(v -> v.version() == 1)
                .singleElement().satisfies(v -> assertThat(v.state()).isEqualTo(KeyState.DESTROYED));
    }

    @Test
    void destroyIsRefusedWithCountsWhileWardsOwnValuesAreSealedUnderTheVersionUntilRewrapped() {
        Session s = w.open("hosp-a", "usr_1").session();
        w.attributes.put(s, "a", "1");
        w.attributes.put(s, "b", "2");
        w.attributes.put(w.open("hosp-b", "usr_2").session(), "other-tenant", "3");
        String userId = w.user("hosp-a", "drkey", "Keys-In-Use-Pass-7!", List.of("staff"));
        w.mfaStore.beginTotp("hosp-a", userId, w.keys.seal("hosp-a", "totp", SECRET, CONTEXT), w.clock.instant());
        w.keys.rotate(OPERATOR, "hosp-a");
        w.attributes.put(s, "c", "under v2");
        w.clock.advance(TenantKeys.FRESHNESS);

        ProblemException inUse = refusal(() -> w.keys.destroy(OPERATOR, "hosp-a", 1, false));

        assertThat(inUse.status()).isEqualTo(409);
        assertThat(inUse.code()).isEqualTo("key_in_use");
        assertThat(inUse.extensions()).containsEntry("in_use", Map.of("session_attributes", 2L, "mfa_secrets", 1L));
        assertThat(inUse.detail()).contains("2 session attributes, 1 MFA secrets").contains("keys rewrap");
        assertThat(states("hosp-a")).containsEntry(1, KeyState.ACTIVE);

        new KeyRewrap(w.keys).run("hosp-a", w.keys.sealedKinds(), n -> { });

        assertThat(w.keys.destroy(OPERATOR, "hosp-a", 1, false)).filteredOn(v -> v.version() == 1)
                .singleElement().satisfies(v -> assertThat(v.state()).isEqualTo(KeyState.DESTROYED));
        assertThat(w.attributes.get(s, "a")).contains("1");
        assertThat(w.auditOf("hosp-a", "key.destroyed").getFirst().details()).doesNotContainKey("forced_over");
    }

    @Test
    void forceDestroysAVersionStillInUseAndTheAuditSaysWhatWasLost() {
        Session s = w.open("hosp-a", "usr_1").session();
        w.attributes.put(s, "a", "1");
        w.keys.rotate(OPERATOR, "hosp-a");
        w.clock.advance(TenantKeys.FRESHNESS);

        w.keys.destroy(OPERATOR, "hosp-a", 1, true);

        assertThat(states("hosp-a")).containsEntry(1, KeyState.DESTROYED);
        assertThat(catchThrowable(() -> w.attributes.get(s, "a"))).isInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(w.auditOf("hosp-a", "key.destroyed").getFirst().details())
                .containsEntry("forced_over", Map.of("session_attributes", 1));
    }

    @Test
    void scheduledRotationFollowsEachTenantsPolicy() {
        w.tenants.updatePolicy(OPERATOR, "hosp-a", Map.of("keys", Map.of("rotate_after_seconds", 3600)));
        seal("hosp-a");
        seal("hosp-b");

        assertThat(w.keys.rotateDue()).isZero();
        w.advance(3600);
        assertThat(w.keys.rotateDue()).as("hosp-a only; hosp-b has the 24 h default").isEqualTo(1);
        assertThat(w.keys.rotateDue()).isZero();
        assertThat(states("hosp-a")).containsEntry(2, KeyState.PRIMARY);
        assertThat(w.auditOf("hosp-a", "key.rotated").getFirst().details()).containsEntry("reason", "scheduled");
        w.advance(86_400 - 3600);
        assertThat(w.keys.rotateDue()).as("hosp-a again and hosp-b").isEqualTo(2);
        assertThat(states("hosp-b")).containsEntry(2, KeyState.PRIMARY);
    }

    @Test
    void concurrentRotationsFromOneVersionMakeExactlyOneNewVersion() throws Exception {
        seal("hosp-a");
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                String wrapped = w.keyStore.version("hosp-a", 1).orElseThrow().wrappedKeyset();
                results.add(pool.submit(() -> {
                    start.await();
                    return w.keyStore.rotate("hosp-a", 1, wrapped, w.clock.instant());
                }));
            }
            start.countDown();
            int won = 0;
            for (Future<Boolean> f : results) {
                won += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(w.keyStore.versions("hosp-a")).extracting(v -> v.version()).containsExactly(2, 1);
        assertThat(w.keyStore.head("hosp-a").orElseThrow().primaryVersion()).isEqualTo(2);
    }

    @Test
    void aThousandTenantsEachGetTheirOwnKeysLazilyAndRotateOnSchedule() {
        int tenants = 1000;
        List<String> sealed = new ArrayList<>();
        for (int i = 0; i < tenants; i++) {
            w.tenants.createIfAbsent("t" + i, "Tenant " + i);
        }
        for (int i = 0; i < tenants; i++) {
            sealed.add(seal("t" + i));
        }
        for (int i = 0; i < tenants; i++) {
            assertThat(w.keys.open("t" + i, "note", sealed.get(i), CONTEXT)).isEqualTo(SECRET);
        }
        assertThat(openFailure("t1", "note", sealed.get(0), CONTEXT)).as("t0's value under t1's keys")
                .isInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(w.keyStore.heads()).hasSize(tenants);

        w.advance(86_400);
        assertThat(w.keys.rotateDue()).isEqualTo(tenants);
        assertThat(w.keys.seal("t999", "note", SECRET, CONTEXT)).startsWith("ward:v2:");
    }

    @Test
    void storedKeysetsAreWrappedAndNamedOnlyByVersion() {
        seal("hosp-a");
        String wrapped = w.keyStore.version("hosp-a", 1).orElseThrow().wrappedKeyset();

        assertThat(Base64.getDecoder().decode(wrapped).length).isBetween(60, 400);
        assertThat(w.keyStore.version("hosp-a", 1).orElseThrow().toString()).doesNotContain(wrapped);
        assertThat(w.keys.toString()).contains("redacted");
    }
}
