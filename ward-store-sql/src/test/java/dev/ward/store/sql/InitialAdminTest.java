package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.bootstrap.Bootstrap;
import dev.ward.user.HashingPool;
import dev.ward.user.PasswordHasher;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The administrator a first start creates (Bootstrap), and what every later start costs: one read, no Argon2id hash of a
 * password nobody will use (issue 13 goal 4: a cold JVM's start-up paid over half a second for it).
 */
class InitialAdminTest extends StoreContract {
    private StoreFixture w;

    @BeforeEach
    void setUp() {
        w = fixture("bootstrap");
    }

    @Test
    void theFirstStartCreatesTheAdministratorAndLaterStartsHashNothing() {
        try (PasswordHasher first = new PasswordHasher(PasswordHasher.Params.OWASP, new HashingPool(1, 0));
             PasswordHasher later = new PasswordHasher(PasswordHasher.Params.OWASP, new HashingPool(1, 0))) {
            Bootstrap.Outcome created = new Bootstrap(w.tenants, w.users(first)).run(Optional.empty());
            assertThat(created).isInstanceOf(Bootstrap.Outcome.CreatedWithGeneratedPassword.class);
            assertThat(first.peakConcurrentHashes()).as("the first start hashes the password it shows").isEqualTo(1);
            assertThat(w.userStore.findByUsername(Actor.SYSTEM_TENANT, Bootstrap.ADMIN_USERNAME)).isPresent();

            Bootstrap.Outcome again = new Bootstrap(w.tenants, w.users(later)).run(Optional.empty());
            assertThat(again).isInstanceOf(Bootstrap.Outcome.AlreadyDone.class);
            assertThat(later.peakConcurrentHashes()).as("a restart hashes nothing").isZero();
        }
    }
}
