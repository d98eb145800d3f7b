package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.bootstrap.Bootstrap;
import dev.ward.user.HashingPool;
import dev.ward.user.PasswordHasher;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    @Test
    void twoNodesStartingAtOnceOnAnEmptyDatabaseMakeOneAdministratorAndBothStart() throws Exception {
        StoreFixture other = new StoreFixture(w);
        try (PasswordHasher a = new PasswordHasher(PasswordHasher.Params.OWASP, new HashingPool(1, 0));
             PasswordHasher b = new PasswordHasher(PasswordHasher.Params.OWASP, new HashingPool(1, 0));
             ExecutorService nodes = Executors.newFixedThreadPool(2)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Bootstrap.Outcome>> starts = List.of(
                    nodes.submit(() -> { go.await(); return new Bootstrap(w.tenants, w.users(a)).run(Optional.empty()); }),
                    nodes.submit(() -> { go.await(); return new Bootstrap(other.tenants, other.users(b)).run(Optional.empty()); }));
            go.countDown();
            List<Bootstrap.Outcome> outcomes = new java.util.ArrayList<>();
            for (Future<Bootstrap.Outcome> start : starts) {
                outcomes.add(start.get(60, TimeUnit.SECONDS));   // neither start fails
            }
            // Both read "no administrator" and hashed (the read is no lock): the insert decided.
            assertThat(a.peakConcurrentHashes() + b.peakConcurrentHashes()).as("both nodes hashed").isEqualTo(2);
            assertThat(outcomes).filteredOn(o -> o instanceof Bootstrap.Outcome.CreatedWithGeneratedPassword).hasSize(1);
            assertThat(outcomes).filteredOn(o -> o instanceof Bootstrap.Outcome.AlreadyDone).hasSize(1);
            assertThat(w.userStore.list(Actor.SYSTEM_TENANT)).hasSize(1);
            assertThat(w.auditOf(Actor.SYSTEM_TENANT, "admin.user_created")).hasSize(1);
        }
    }

    @Test
    void aDisabledAdministratorIsLeftAsItIsAtTheNextStart() {
        try (PasswordHasher hasher = new PasswordHasher(PasswordHasher.Params.OWASP, new HashingPool(1, 0))) {
            new Bootstrap(w.tenants, w.users(hasher)).run(Optional.empty());
            String id = w.userStore.findByUsername(Actor.SYSTEM_TENANT, Bootstrap.ADMIN_USERNAME).orElseThrow().id();
            w.userStore.setDisabled(Actor.SYSTEM_TENANT, id, true);
            assertThat(new Bootstrap(w.tenants, w.users(hasher)).run(Optional.of("Another-Adm1n!pass")))
                    .isInstanceOf(Bootstrap.Outcome.AlreadyDone.class);
            assertThat(w.userStore.findByUsername(Actor.SYSTEM_TENANT, Bootstrap.ADMIN_USERNAME).orElseThrow().disabled()).isTrue();
        }
    }
}
