package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static dev.ward.store.sql.StoreFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ward.crypto.KeyRewrap;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.TenantKeys;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import dev.ward.user.UserAttributes;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * User-scope attributes (issue 12 item 7, API.md {@code /v1/me/attributes}) on every backend: they survive the user's
 * sessions, no other user or tenant sees them, they are sealed, capped, rewrapped and shredded with the tenant key.
 */
class UserAttributesTest extends StoreContract {
    private static final String VALUE = "{\"recent_patients\":[\"MRN-PLAINTEXT-31\"]}";

    private StoreFixture w;
    private UserAttributes attributes;
    private String nurse;
    private String doctor;
    private Session nurseSession;

    @BeforeEach
    void setUp() {
        w = fixture("user-attributes");
        w.tenant("hosp-a");
        w.tenant("hosp-b");
        attributes = w.userAttributes;
        nurse = w.user("hosp-a", "nurse", "User-Attr-Pass-1!", List.of("staff"));
        doctor = w.user("hosp-a", "doctor", "User-Attr-Pass-1!", List.of("staff"));
        nurseSession = w.open("hosp-a", nurse).session();
    }

    private String stored(String tenant, String userId, String name) {
        return w.db.call(h -> h.createQuery("SELECT sealed_value FROM user_attributes WHERE tenant_id = :t AND user_id = :u AND name = :n")
                .bind("t", tenant).bind("u", userId).bind("n", name).mapTo(String.class).findOne().orElse(null));
    }

    private void plant(String tenant, String userId, String name, String sealed) {
        w.db.run(h -> h.createUpdate("INSERT INTO user_attributes (tenant_id, user_id, name, sealed_value, updated_at) "
                + "VALUES (:t, :u, :n, :v, 0)").bind("t", tenant).bind("u", userId).bind("n", name).bind("v", sealed).execute());
    }

    @Test
    void theySurviveTheUsersSessionsAndAreSealed() {
        attributes.put(nurseSession, "prefs", VALUE);
        w.sessions.logout(nurseSession);

        Session later = w.open("hosp-a", nurse).session();
        assertThat(attributes.get(later, "prefs")).contains(VALUE);
        assertThat(stored("hosp-a", nurse, "prefs")).startsWith("ward:v1:").doesNotContain("MRN");
        assertThat(attributes.delete(later, "prefs")).isTrue();
        assertThat(attributes.get(later, "prefs")).isEmpty();
        assertThat(attributes.delete(later, "prefs")).isFalse();
    }

    @Test
    void noOtherUserOrTenantSeesThem() {
        attributes.put(nurseSession, "prefs", VALUE);
        Session doctorSession = w.open("hosp-a", doctor).session();
        String sameIdElsewhere = w.user("hosp-b", "nurse", "User-Attr-Pass-1!", List.of("staff"));
        Session inB = w.open("hosp-b", sameIdElsewhere).session();

        assertThat(attributes.get(doctorSession, "prefs")).isEmpty();
        assertThat(attributes.delete(doctorSession, "prefs")).isFalse();
        assertThat(attributes.get(inB, "prefs")).isEmpty();
        assertThat(attributes.get(nurseSession, "prefs")).contains(VALUE);
    }

    @Test
    void aSealedValueCopiedToAnotherUserOrNameDoesNotOpen() {
        attributes.put(nurseSession, "prefs", VALUE);
        String sealed = stored("hosp-a", nurse, "prefs");
        plant("hosp-a", doctor, "prefs", sealed);
        plant("hosp-a", nurse, "other", sealed);

        assertThat(catchThrowable(() -> attributes.get(w.open("hosp-a", doctor).session(), "prefs")))
                .isInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(catchThrowable(() -> attributes.get(nurseSession, "other"))).isInstanceOf(MasterKeyCipher.DecryptionException.class);
    }

    @Test
    void sizeAndCountAreCapped() {
        String big = "\"" + "a".repeat(UserAttributes.MAX_VALUE_BYTES - 1) + "\"";
        ProblemException tooLarge = refusal(() -> attributes.put(nurseSession, "big", big));
        assertThat(tooLarge.status()).isEqualTo(413);
        for (int i = 0; i < UserAttributes.MAX_PER_USER; i++) {
            attributes.put(nurseSession, "k" + i, "1");
        }
        assertThat(refusal(() -> attributes.put(nurseSession, "one-more", "1")).code()).isEqualTo("too_many_attributes");
        attributes.put(nurseSession, "k0", "2");
        assertThat(refusal(() -> attributes.put(nurseSession, "bad key", "1")).code()).isEqualTo("validation_failed");
    }

    @Test
    void aRewrapMovesThemAndDestroyingTheirVersionShredsThem() {
        attributes.put(nurseSession, "prefs", VALUE);
        attributes.put(nurseSession, "kept", "1");
        w.keys.rotate(OPERATOR, "hosp-a");
        w.clock.advance(TenantKeys.FRESHNESS);
        assertThat(refusal(() -> w.keys.destroy(OPERATOR, "hosp-a", 1, false)).code()).as("still in use").isEqualTo("key_in_use");

        new KeyRewrap(w.keys).run("hosp-a", List.of(attributes), n -> { });
        assertThat(stored("hosp-a", nurse, "prefs")).startsWith("ward:v2:");
        assertThat(attributes.get(nurseSession, "prefs")).contains(VALUE);

        attributes.put(nurseSession, "later", "\"x\"");
        w.keys.rotate(OPERATOR, "hosp-a");
        w.clock.advance(TenantKeys.FRESHNESS);
        w.keys.destroy(OPERATOR, "hosp-a", 2, true);
        assertThat(catchThrowable(() -> attributes.get(nurseSession, "prefs"))).isInstanceOf(MasterKeyCipher.DecryptionException.class);
    }
}
