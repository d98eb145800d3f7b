package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.auth.MfaChallenge;
import dev.ward.mfa.BackupCode;
import dev.ward.mfa.TotpFactor;
import dev.ward.session.Client;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The MFA stores' atomic guarantees, on every backend: replay guard, single-use codes and challenges. */
class MfaStoreTest extends StoreContract {
    private static final String TENANT = "clinic";
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    private StoreFixture w;
    private SqlMfaStore store;
    private String alice;

    @BeforeEach
    void setUp() {
        w = fixture("mfa");
        store = w.mfaStore;
        w.tenant(TENANT);
        alice = w.user(TENANT, "alice", "Correct-Horse-9!", List.of("staff"));
    }

    private static BackupCode code(String id) {
        return new BackupCode(id, "salt-" + id, "hash-" + id, null);
    }

    @Test
    void aPendingSecretIsReplaceableUntilConfirmedAndThenRefused() {
        assertThat(store.beginTotp(TENANT, alice, "sealed-1", NOW)).isTrue();
        assertThat(store.beginTotp(TENANT, alice, "sealed-2", NOW)).isTrue();
        assertThat(store.totp(TENANT, alice)).hasValue(new TotpFactor("sealed-2", false, TotpFactor.NO_STEP));
        assertThat(store.confirmTotp(TENANT, alice, "sealed-1", 7, List.of(code("a")), NOW)).as("replaced secret").isFalse();
        assertThat(store.confirmTotp(TENANT, alice, "sealed-2", 7, List.of(code("a")), NOW)).isTrue();
        assertThat(store.confirmTotp(TENANT, alice, "sealed-2", 8, List.of(code("b")), NOW)).as("confirmed once").isFalse();
        assertThat(store.totp(TENANT, alice)).hasValue(new TotpFactor("sealed-2", true, 7));
        assertThat(w.userStore.find(TENANT, alice).orElseThrow().mfaEnabled()).isTrue();
        assertThat(store.beginTotp(TENANT, alice, "sealed-3", NOW)).as("enabled: no new setup").isFalse();
    }

    @Test
    void theStepOnlyMovesForwardAndEachStepIsAcceptedOnce() {
        store.beginTotp(TENANT, alice, "sealed", NOW);
        store.confirmTotp(TENANT, alice, "sealed", 100, List.of(), NOW);
        assertThat(store.advanceStep(TENANT, alice, 100)).as("the confirming code's step").isFalse();
        assertThat(store.advanceStep(TENANT, alice, 99)).as("an earlier step").isFalse();
        assertThat(store.advanceStep(TENANT, alice, 101)).isTrue();
        assertThat(store.advanceStep(TENANT, alice, 101)).as("replayed").isFalse();
        assertThat(store.totp(TENANT, alice).orElseThrow().lastStep()).isEqualTo(101);
    }

    @Test
    void aSecondNodeSeesTheSameReplayGuardAndCodes() {
        store.beginTotp(TENANT, alice, "sealed", NOW);
        store.confirmTotp(TENANT, alice, "sealed", 100, List.of(code("a")), NOW);
        StoreFixture other = new StoreFixture(w);
        assertThat(store.advanceStep(TENANT, alice, 101)).isTrue();
        assertThat(other.mfaStore.advanceStep(TENANT, alice, 101)).isFalse();
        assertThat(other.mfaStore.useBackupCode(TENANT, alice, "a", NOW)).isTrue();
        assertThat(store.useBackupCode(TENANT, alice, "a", NOW)).isFalse();
    }

    @Test
    void backupCodesAreSingleUseAndRegenerationReplacesThemAll() {
        store.replaceBackupCodes(TENANT, alice, List.of(code("a"), code("b")));
        assertThat(store.useBackupCode(TENANT, alice, "a", NOW)).isTrue();
        assertThat(store.useBackupCode(TENANT, alice, "a", NOW.plusSeconds(1))).isFalse();
        assertThat(store.backupCodes(TENANT, alice)).extracting(BackupCode::id, BackupCode::used)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", true), org.assertj.core.groups.Tuple.tuple("b", false));
        store.replaceBackupCodes(TENANT, alice, List.of(code("c")));
        assertThat(store.backupCodes(TENANT, alice)).extracting(BackupCode::id).containsExactly("c");
        assertThat(store.useBackupCode(TENANT, alice, "b", NOW)).isFalse();
    }

    @Test
    void removeClearsFactorCodesAndTheUsersFlag() {
        store.beginTotp(TENANT, alice, "sealed", NOW);
        store.confirmTotp(TENANT, alice, "sealed", 1, List.of(code("a")), NOW);
        assertThat(store.remove(TENANT, alice)).isTrue();
        assertThat(store.totp(TENANT, alice)).isEmpty();
        assertThat(store.backupCodes(TENANT, alice)).isEmpty();
        assertThat(w.userStore.find(TENANT, alice).orElseThrow().mfaEnabled()).isFalse();
        assertThat(store.remove(TENANT, alice)).isFalse();
    }

    @Test
    void challengesCountFailuresAreConsumedOnceAndExpire() {
        SqlMfaChallengeStore challenges = w.challenges;
        Client desk = new Client("203.0.113.7", "desk");
        challenges.create(new MfaChallenge("h1", TENANT, alice, desk, NOW.plusSeconds(300), 0));
        challenges.create(new MfaChallenge("h2", TENANT, alice, desk, NOW.plusSeconds(10), 0));
        assertThat(challenges.find("h1")).hasValue(new MfaChallenge("h1", TENANT, alice, desk, NOW.plusSeconds(300), 0));
        assertThat(challenges.reserveAttempt("h1", 2, NOW)).isTrue();
        assertThat(challenges.reserveAttempt("h1", 2, NOW)).isTrue();
        assertThat(challenges.reserveAttempt("h1", 2, NOW)).as("both attempts taken").isFalse();
        assertThat(challenges.find("h1").orElseThrow().failures()).isEqualTo(2);
        assertThat(challenges.reserveAttempt("h2", 5, NOW.plusSeconds(10))).as("expired").isFalse();
        assertThat(challenges.reserveAttempt("nope", 5, NOW)).isFalse();
        assertThat(challenges.consume("h1")).isTrue();
        assertThat(challenges.consume("h1")).isFalse();
        assertThat(challenges.find("h1")).isEmpty();
        assertThat(challenges.deleteExpired(NOW.plusSeconds(10))).isEqualTo(1);
        assertThat(challenges.find("h2")).isEmpty();
    }
}
