package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ward.crypto.KeyRewrap;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.Resealable;
import dev.ward.crypto.TenantKeys;
import dev.ward.mfa.Totp;
import dev.ward.session.AttributeStore;
import dev.ward.session.IssuedSession;
import dev.ward.session.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code keys rewrap} over session attributes: moved to the primary version, resumable, compare-and-set, shredding. */
class KeyRewrapTest extends StoreContract {
    private static final String VALUE = "{\"mrn\":\"MRN-4711\"}";

    private StoreFixture w;
    private KeyRewrap rewrap;
    private List<Session> sessions;

    @BeforeEach
    void setUp() {
        w = fixture("rewrap");
        w.tenant("hosp-a", java.util.Map.of("max_concurrent", 100));
        w.tenant("hosp-b");
        rewrap = new KeyRewrap(w.keys);
        sessions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Session s = w.open("hosp-a", "usr_" + i).session();
            sessions.add(s);
            for (int k = 0; k < 3; k++) {
                w.attributes.put(s, "k" + k, VALUE);
            }
        }
        w.attributes.put(w.open("hosp-b", "usr_b").session(), "k", VALUE);
    }

    private List<String> storedValues(String tenant) {
        return w.attributeStore.pageOfTenant(tenant, "", "", 10_000).stream().map(AttributeStore.Stored::sealed).toList();
    }

    @Test
    void movesEveryAttributeOfTheTenantToThePrimaryAndTheyStillOpen() {
        w.keys.rotate(OPERATOR, "hosp-a");
        List<Resealable> sources = List.of(w.attributes);
        assertThat(rewrap.total("hosp-a", sources)).isEqualTo(18);
        List<Long> progress = new ArrayList<>();

        KeyRewrap.Result result = rewrap.run("hosp-a", sources, progress::add);

        assertThat(result).isEqualTo(new KeyRewrap.Result(18, 0, 0, 0));
        assertThat(progress.getLast()).isEqualTo(18);
        assertThat(storedValues("hosp-a")).hasSize(18).allSatisfy(v -> assertThat(v).startsWith("ward:v2:"));
        assertThat(storedValues("hosp-b")).allSatisfy(v -> assertThat(v).startsWith("ward:v1:"));
        for (Session s : sessions) {
            assertThat(w.attributes.get(s, "k2")).contains(VALUE);
        }
        w.clock.advance(TenantKeys.FRESHNESS);
        w.keys.destroy(OPERATOR, "hosp-a", 1, false);
        assertThat(w.attributes.get(sessions.getFirst(), "k0")).as("nothing depends on version 1 any more").contains(VALUE);
    }

    @Test
    void movesMfaSecretsToThePrimaryAndTheyStillCheckCodes() {
        String userId = w.user("hosp-a", "drmfa", "Rewrap-Every-Secret-7!", List.of("staff"));
        IssuedSession issued = w.open("hosp-a", userId, Session.AAL_ENROLLMENT_ONLY, StoreFixture.DESK);
        byte[] secret = base32(w.mfa.beginTotp(issued.session(), Optional.empty()).secret());
        w.mfa.confirmTotp(issued.session(), issued.token(), codeAt(secret, w.clock.instant()));
        w.keys.rotate(OPERATOR, "hosp-a");
        assertThat(w.mfaStore.totp("hosp-a", userId).orElseThrow().sealedSecret()).startsWith("ward:v1:");

        List<Resealable> sources = List.of(w.attributes, w.mfa);
        assertThat(rewrap.total("hosp-a", sources)).isEqualTo(19);
        assertThat(rewrap.run("hosp-a", sources, n -> { })).isEqualTo(new KeyRewrap.Result(19, 0, 0, 0));

        assertThat(w.mfaStore.totp("hosp-a", userId).orElseThrow().sealedSecret()).startsWith("ward:v2:");
        w.clock.advance(TenantKeys.FRESHNESS);
        w.keys.destroy(OPERATOR, "hosp-a", 1, false);
        w.advance(30);
        // Regenerating backup codes checks a current code against the secret: it opens under version 2 alone.
        Session now = w.sessionStore.findById(issued.session().id()).orElseThrow();
        assertThat(now.aal()).isEqualTo(2);
        assertThat(w.mfa.regenerateBackupCodes(now, codeAt(secret, w.clock.instant()))).hasSize(10);
    }

    private static String codeAt(byte[] secret, java.time.Instant at) {
        return Totp.code(secret, Totp.step(at, Totp.PERIOD), Totp.ALGORITHM, Totp.DIGITS);
    }

    /** RFC 4648 base32, as an authenticator app reads the secret. */
    private static byte[] base32(String text) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char c : text.replace("=", "").toUpperCase(java.util.Locale.ROOT).toCharArray()) {
            buffer = (buffer << 5) | alphabet.indexOf(c);
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >>> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }

    @Test
    void aSecondRunFindsEverythingCurrentSoAnInterruptedRunSimplyRunsAgain() {
        w.keys.rotate(OPERATOR, "hosp-a");
        Resealable firstPageOnly = new Resealable() {
            @Override public String description() { return "first 5 only"; }
            @Override public String kind() { return "first_5_only"; }
            @Override public long count(String tenant) { return 5; }
            @Override public long countUnder(String tenant, int version) { return w.attributes.countUnder(tenant, version); }
            @Override public List<Sealed> page(String tenant, Optional<String> after, int limit) {
                return after.isPresent() ? List.of() : w.attributes.page(tenant, after, 5);
            }
            @Override public boolean replace(String tenant, Sealed sealed, String resealed) {
                return w.attributes.replace(tenant, sealed, resealed);
            }
        };
        assertThat(rewrap.run("hosp-a", List.of(firstPageOnly), n -> { }).rewrapped()).isEqualTo(5);

        KeyRewrap.Result rest = rewrap.run("hosp-a", List.of(w.attributes), n -> { });

        assertThat(rest).isEqualTo(new KeyRewrap.Result(13, 5, 0, 0));
        assertThat(rewrap.run("hosp-a", List.of(w.attributes), n -> { })).isEqualTo(new KeyRewrap.Result(0, 18, 0, 0));
    }

    @Test
    void aValueWrittenMeanwhileIsLeftToTheWriter() {
        w.keys.rotate(OPERATOR, "hosp-a");
        Resealable.Sealed stale = w.attributes.page("hosp-a", Optional.empty(), 1).getFirst();
        String[] at = stale.position().split("/");
        Session owner = sessions.stream().filter(s -> s.id().equals(at[0])).findFirst().orElseThrow();
        w.attributes.put(owner, at[1], "{\"mrn\":\"NEW\"}");

        assertThat(w.attributes.replace("hosp-a", stale, w.keys.rewrap("hosp-a", stale.value()))).isFalse();
        assertThat(w.attributes.get(owner, at[1])).contains("{\"mrn\":\"NEW\"}");
    }

    @Test
    void valuesUnderADestroyedVersionAreShreddedAndCountedAsUnreadable() {
        w.keys.rotate(OPERATOR, "hosp-a");
        w.attributes.put(sessions.getFirst(), "fresh", VALUE);
        w.clock.advance(TenantKeys.FRESHNESS);

        w.keys.destroy(OPERATOR, "hosp-a", 1, true);

        assertThat(catchThrowable(() -> w.attributes.get(sessions.getFirst(), "k0")))
                .isInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(w.attributes.get(sessions.getFirst(), "fresh")).contains(VALUE);
        assertThat(rewrap.run("hosp-a", List.of(w.attributes), n -> { })).isEqualTo(new KeyRewrap.Result(0, 1, 0, 18));
    }

    @Test
    void pagesWalkTheTenantsAttributesInOrderWithoutRepeats() {
        List<String> positions = new ArrayList<>();
        Optional<String> after = Optional.empty();
        while (true) {
            List<Resealable.Sealed> page = w.attributes.page("hosp-a", after, 4);
            page.forEach(p -> positions.add(p.position()));
            if (page.size() < 4) {
                break;
            }
            after = Optional.of(page.getLast().position());
        }
        assertThat(positions).hasSize(18).doesNotHaveDuplicates().isSorted();
        assertThat(w.attributes.count("hosp-a")).isEqualTo(18);
        assertThat(w.attributes.count("hosp-b")).isEqualTo(1);
    }
}
