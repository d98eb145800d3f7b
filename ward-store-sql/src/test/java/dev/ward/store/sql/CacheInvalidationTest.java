package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes over the same stores (two fixtures, each with its own listener): what one changes, the other's caches
 * drop before the change is answered, and a node that does not listen never serves from its caches.
 */
class CacheInvalidationTest extends StoreContract {
    private StoreFixture a;
    private StoreFixture b;

    @BeforeEach
    void setUp() {
        a = fixture("invalidation");
        a.tenant("hosp-a");
        b = new StoreFixture(a);
        assertThat(b.invalidations.live()).as("the second node listens").isTrue();
    }

    private String apiKey() {
        return a.apiKeys.create(OPERATOR, "hosp-a", "app", List.of("sessions")).key();
    }

    @Test
    void aKeyRevokedOnOneNodeIsRefusedByTheOtherAtOnce() {
        String key = apiKey();
        Actor.ApiKey actor = b.apiKeys.authenticate(key).orElseThrow();

        a.apiKeys.revoke(OPERATOR, "hosp-a", actor.keyId());

        assertThat(b.apiKeys.authenticate(key)).isEmpty();
    }

    @Test
    void aPolicyChangedOnOneNodeAppliesOnTheOtherAtOnce() {
        assertThat(b.tenants.policyOf("hosp-a").maxConcurrentSessions()).isEqualTo(3);

        a.sessionPolicy("hosp-a", Map.of("max_concurrent", 7));

        assertThat(b.tenants.policyOf("hosp-a").maxConcurrentSessions()).isEqualTo(7);
    }

    @Test
    void aListeningNodeServesFromItsCacheWhatChangedBehindWardsBack() {
        String key = apiKey();
        Actor.ApiKey actor = b.apiKeys.authenticate(key).orElseThrow();

        revokeInTheStoreOnly(actor.keyId());

        assertThat(b.apiKeys.authenticate(key)).as("no notice was published: the cache still serves").isPresent();
    }

    @Test
    void aNodeThatStoppedListeningReadsTheStoreOnEveryLookup() {
        String key = apiKey();
        Actor.ApiKey actor = b.apiKeys.authenticate(key).orElseThrow();
        assertThat(b.tenants.policyOf("hosp-a").maxConcurrentSessions()).isEqualTo(3);

        b.invalidations.close();
        revokeInTheStoreOnly(actor.keyId());
        a.sessionPolicy("hosp-a", Map.of("max_concurrent", 9));

        assertThat(b.invalidations.live()).isFalse();
        assertThat(b.apiKeys.authenticate(key)).isEmpty();
        assertThat(b.tenants.policyOf("hosp-a").maxConcurrentSessions()).isEqualTo(9);
    }

    private void revokeInTheStoreOnly(String keyId) {
        int revoked = a.db.call(h -> h.createUpdate("UPDATE api_keys SET revoked_at = created_at WHERE id = :id")
                .bind("id", keyId).execute());
        assertThat(revoked).isEqualTo(1);
    }
}
