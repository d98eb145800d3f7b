package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.TenantKeys;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import dev.ward.session.SessionAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Session attributes: small JSON values sealed per tenant, bound to their session and name, gone with the session. */
class SessionAttributesTest extends StoreContract {
    private static final String SECRET_JSON = "{\"mrn\":\"MRN-4711-PLAINTEXT\",\"ward\":\"B4\"}";

    private StoreFixture w;
    private SessionAttributes attributes;
    private Session mine;
    private Session other;

    @BeforeEach
    void setUp() {
        w = fixture("attributes");
        w.tenant("hosp-a");
        w.tenant("hosp-b");
        attributes = w.attributes;
        mine = w.open("hosp-a", "usr_1").session();
        other = w.open("hosp-a", "usr_2").session();
    }

    private String storedValue(String sessionId, String name) {
        String sealed = w.stores.storedAttribute(sessionId, name);
        assertThat(sealed).as("stored attribute %s", name).isNotNull();
        return sealed;
    }

    private long storedCount(String sessionId) {
        return w.stores.storedAttributeCount(sessionId);
    }

    private void copySealed(String fromSession, String fromName, String toSession, String toName) {
        String sealed = storedValue(fromSession, fromName);
        w.stores.plantAttribute(toSession, toName, sealed);
    }

    @Test
    void valueRoundTrips() {
        attributes.put(mine, "patient", SECRET_JSON);

        assertThat(attributes.get(mine, "patient")).contains(SECRET_JSON);
    }

    @Test
    void nonAsciiJsonRoundTrips() {
        String json = "{\"name\":\"Zoë Ångström 患者\"}";
        attributes.put(mine, "name", json);
        assertThat(attributes.get(mine, "name")).contains(json);
    }

    @Test
    void putReplacesAndDeleteRemoves() {
        attributes.put(mine, "cart", "[1]");
        attributes.put(mine, "cart", "[1,2]");
        assertThat(attributes.get(mine, "cart")).contains("[1,2]");
        assertThat(storedCount(mine.id())).isEqualTo(1);

        assertThat(attributes.delete(mine, "cart")).isTrue();
        assertThat(attributes.get(mine, "cart")).isEmpty();
        assertThat(attributes.delete(mine, "cart")).isFalse();
    }

    @Test
    void missingAttributeIsEmpty() {
        assertThat(attributes.get(mine, "nothing")).isEmpty();
    }

    @Test
    void valueOfExactlyEightKibIsAccepted() {
        String json = "\"" + "a".repeat(SessionAttributes.MAX_VALUE_BYTES - 2) + "\"";
        attributes.put(mine, "big", json);
        assertThat(attributes.get(mine, "big")).contains(json);
    }

    @Test
    void valueOverEightKibIsTooLarge() {
        String json = "\"" + "a".repeat(SessionAttributes.MAX_VALUE_BYTES - 1) + "\"";

        ProblemException e = refusal(() -> attributes.put(mine, "big", json));

        assertThat(e.status()).isEqualTo(413);
        assertThat(e.code()).isEqualTo("attribute_too_large");
        assertThat(storedCount(mine.id())).isZero();
    }

    @Test
    void sizeLimitCountsUtf8BytesNotCharacters() {
        String json = "\"" + "é".repeat(SessionAttributes.MAX_VALUE_BYTES / 2) + "\"";
        assertThat(refusal(() -> attributes.put(mine, "big", json)).code()).isEqualTo("attribute_too_large");
    }

    @Test
    void sixtyFifthAttributeIsRefusedButExistingOnesMayBeReplaced() {
        for (int i = 0; i < SessionAttributes.MAX_PER_SESSION; i++) {
            attributes.put(mine, "k" + i, String.valueOf(i));
        }

        ProblemException e = refusal(() -> attributes.put(mine, "one-too-many", "1"));

        assertThat(e.code()).isEqualTo("too_many_attributes");
        assertThat(e.status()).isEqualTo(409);
        assertThat(storedCount(mine.id())).isEqualTo(64);
        attributes.put(mine, "k0", "\"replaced\"");
        assertThat(attributes.get(mine, "k0")).contains("\"replaced\"");
        attributes.delete(mine, "k1");
        attributes.put(mine, "one-too-many", "1");
    }

    @Test
    void parallelPutsNeverTakeASessionPastSixtyFourAttributes() throws Exception {
        int rounds = 20;
        int parallel = 8;
        int namesPerThread = 10;
        List<Session> raced = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            for (int round = 0; round < rounds; round++) {
                Session s = w.open("hosp-a", "usr_race_" + round).session();
                raced.add(s);
                for (int i = 0; i < SessionAttributes.MAX_PER_SESSION - 24; i++) {
                    attributes.put(s, "k" + i, "1");
                }
                // 80 new names compete for the last 24 places, so the threads are busy inserting when the limit is reached.
                CountDownLatch ready = new CountDownLatch(parallel);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> puts = new ArrayList<>();
                for (int t = 0; t < parallel; t++) {
                    int thread = t;
                    puts.add(pool.submit(() -> {
                        ready.countDown();
                        go.await();
                        for (int n = 0; n < namesPerThread; n++) {
                            try {
                                attributes.put(s, "t" + thread + "n" + n, "1");
                            } catch (ProblemException refused) {
                                assertThat(refused.code()).isEqualTo("too_many_attributes");
                            }
                        }
                        return null;
                    }));
                }
                assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
                go.countDown();
                for (Future<?> f : puts) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(raced).allSatisfy(s -> assertThat(storedCount(s.id())).as("attributes of %s", s.id())
                .isEqualTo(SessionAttributes.MAX_PER_SESSION));
    }

    @Test
    void anotherSessionNeverSeesTheAttributes() {
        attributes.put(mine, "patient", SECRET_JSON);

        assertThat(attributes.get(other, "patient")).isEmpty();
        assertThat(attributes.delete(other, "patient")).isFalse();
        assertThat(attributes.get(mine, "patient")).contains(SECRET_JSON);
        Session sameUserOtherSession = w.open("hosp-a", "usr_1").session();
        assertThat(attributes.get(sameUserOtherSession, "patient")).isEmpty();
    }

    @Test
    void revokingTheSessionDeletesItsAttributes() {
        attributes.put(mine, "patient", SECRET_JSON);
        attributes.put(other, "patient", "{}");

        w.sessions.logout(mine);

        assertThat(storedCount(mine.id())).isZero();
        assertThat(storedCount(other.id())).isEqualTo(1);
    }

    @Test
    void endingAllSessionsOfAUserDeletesTheirAttributes() {
        attributes.put(mine, "patient", SECRET_JSON);

        w.sessions.endAllOfUser("hosp-a", "usr_1", "admin", StoreFixture.OPERATOR);

        assertThat(storedCount(mine.id())).isZero();
    }

    @Test
    void storedValueIsSealedNotPlaintext() {
        attributes.put(mine, "patient", SECRET_JSON);

        String stored = storedValue(mine.id(), "patient");

        assertThat(stored).as("sealed under the tenant's key version 1").startsWith("ward:v1:").doesNotContain("MRN-4711").doesNotContain("PLAINTEXT").doesNotContain("mrn");
    }

    @Test
    void sameValueIsSealedDifferentlyEachTime() {
        attributes.put(mine, "a", SECRET_JSON);
        attributes.put(other, "a", SECRET_JSON);
        String first = storedValue(mine.id(), "a");
        attributes.put(mine, "a", SECRET_JSON);

        assertThat(storedValue(mine.id(), "a")).isNotEqualTo(first).isNotEqualTo(storedValue(other.id(), "a"));
    }

    @Test
    void sealedValueCopiedToAnotherSessionDoesNotOpen() {
        attributes.put(mine, "patient", SECRET_JSON);
        copySealed(mine.id(), "patient", other.id(), "patient");

        assertThat(catchThrowable(() -> attributes.get(other, "patient"))).isInstanceOf(MasterKeyCipher.DecryptionException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("MRN"));
    }

    @Test
    void sealedValueCopiedToAnotherNameDoesNotOpen() {
        attributes.put(mine, "patient", SECRET_JSON);
        copySealed(mine.id(), "patient", mine.id(), "innocent");

        assertThat(catchThrowable(() -> attributes.get(mine, "innocent"))).isInstanceOf(MasterKeyCipher.DecryptionException.class);
    }

    @Test
    void sealedValueCopiedToASessionOfAnotherTenantDoesNotOpen() {
        Session inB = w.open("hosp-b", "usr_1").session();
        attributes.put(mine, "patient", SECRET_JSON);
        copySealed(mine.id(), "patient", inB.id(), "patient");

        assertThat(catchThrowable(() -> attributes.get(inB, "patient"))).isInstanceOf(MasterKeyCipher.DecryptionException.class);
    }

    @Test
    void valuesDoNotOpenUnderAnotherMasterKey() {
        attributes.put(mine, "patient", SECRET_JSON);
        TenantKeys otherMaster = new TenantKeys(w.keyStore, new MasterKeyCipher(StoreFixture.randomMasterKey()), w.tenants,
                w.guard, w.audit, w.invalidations, w.clock);
        SessionAttributes elsewhere = new SessionAttributes(w.attributeStore, otherMaster, w.clock);

        assertThat(catchThrowable(() -> elsewhere.get(mine, "patient"))).as("the tenant's keyset does not unwrap")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("wrong master key")
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("MRN"));
    }

    @Test
    void badKeyNamesAreRefusedAsValidationFailures() {
        for (String name : List.of("", "has space", "slash/y", "x".repeat(129), "ключ", "semi;colon", "quote\"")) {
            for (Runnable call : List.<Runnable>of(() -> attributes.put(mine, name, "1"), () -> attributes.get(mine, name),
                    () -> attributes.delete(mine, name))) {
                ProblemException e = refusal(call::run);
                assertThat(e.code()).as("name '%s'", name).isEqualTo("validation_failed");
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.extensions()).containsEntry("field", "key");
            }
        }
        assertThat(storedCount(mine.id())).isZero();
    }

    @Test
    void goodKeyNamesAreAccepted() {
        for (String name : List.of("a", "A.b_c:d-e", "x".repeat(128), "0")) {
            attributes.put(mine, name, "true");
            assertThat(attributes.get(mine, name)).contains("true");
        }
    }
}
