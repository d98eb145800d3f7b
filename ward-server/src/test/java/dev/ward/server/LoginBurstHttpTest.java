package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.store.sql.SqlLockoutStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A burst of logins against a real server whose password-hashing pool is tiny (one thread, two waiting):
 * every answer is a login answer or {@code 503 server_busy}, never a 500 or a hang, and no more Argon2
 * computations (19 MiB each) ever run at once than the pool has threads.
 */
class LoginBurstHttpTest {
    static final String PW = "Burst-Of-Logins-7!";
    static final String TENANT = "burst";
    static final int BURST = 200;

    TestWard w;

    @BeforeEach
    void start() {
        w = TestWard.configured(c -> c.withHashing(1, 2));
        w.createTenant(TENANT, Map.of("mfa", Map.of("required_roles", List.of()),
                "login", Map.of("max_failures", 1000)));
    }

    @AfterEach
    void stop() {
        w.close();
    }

    @Test
    void twoHundredParallelLoginsAnswer200Or401Or503AndNeverHashMoreAtOnceThanThePoolHasThreads() throws Exception {
        w.createUser(TENANT, "nurse", PW, "staff");
        String target = w.createUser(TENANT, "target", PW, "staff");
        String right = TestWard.json(Map.of("tenant", TENANT, "username", "nurse", "password", PW));
        String wrong = TestWard.json(Map.of("tenant", TENANT, "username", "target", "password", "Not-The-Password-1!"));

        List<TestWard.Response> rights = new ArrayList<>();
        List<TestWard.Response> wrongs = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<TestWard.Response>> r = new ArrayList<>();
            List<Future<TestWard.Response>> x = new ArrayList<>();
            for (int i = 0; i < BURST / 2; i++) {
                r.add(clients.submit(() -> {
                    go.await();
                    return w.send("POST", "/v1/auth/login", right);
                }));
                x.add(clients.submit(() -> {
                    go.await();
                    return w.send("POST", "/v1/auth/login", wrong);
                }));
            }
            go.countDown();
            for (Future<TestWard.Response> f : r) {
                rights.add(f.get(120, TimeUnit.SECONDS));
            }
            for (Future<TestWard.Response> f : x) {
                wrongs.add(f.get(120, TimeUnit.SECONDS));
            }
        }

        List<TestWard.Response> all = new ArrayList<>(rights);
        all.addAll(wrongs);
        assertThat(all).extracting(TestWard.Response::status).allMatch(s -> s == 200 || s == 401 || s == 503);
        assertThat(rights).extracting(TestWard.Response::status).allMatch(s -> s == 200 || s == 503);
        if (rights.stream().noneMatch(a -> a.status() == 200)) {
            // The few the pool and its queue took may all have been wrong passwords (arrival order is the scheduler's):
            // once the burst is over, the right password signs in.
            assertThat(w.send("POST", "/v1/auth/login", right).status()).isEqualTo(200);
        }
        // (Every wrong one may have been refused busy, likewise: the counts below hold either way.)
        assertThat(wrongs).extracting(TestWard.Response::status).allMatch(s -> s == 401 || s == 503);
        List<TestWard.Response> busy = all.stream().filter(a -> a.status() == 503).toList();
        assertThat(busy).as("a queue of two cannot take a burst of 200").isNotEmpty().allSatisfy(a -> {
            assertThat(a.code()).isEqualTo("server_busy");
            assertThat(a.header("Content-Type")).startsWith("application/problem+json");
            assertThat(a.header("Retry-After")).isEqualTo("1");
        });
        assertThat(w.ward.core().hasher().peakConcurrentHashes()).as("Argon2 runs at once").isEqualTo(1);

        // Refused logins are failed attempts in the history, and count nothing toward the lockout.
        long refusedWrongs = wrongs.stream().filter(a -> a.status() == 503).count();
        long checkedWrongs = wrongs.stream().filter(a -> a.status() == 401).count();
        var history = w.get("/v1/admin/login-history?tenant=" + TENANT + "&username=target&limit=1000", w.adminToken()).json();
        List<String> reasons = StreamSupport.stream(history.path("attempts").spliterator(), false)
                .map(a -> a.path("outcome").asText() + "/" + a.path("failure_reason").asText()).toList();
        assertThat(reasons).hasSize(BURST / 2);
        assertThat(reasons.stream().filter("failed/server_busy"::equals).count()).isEqualTo(refusedWrongs);
        assertThat(reasons.stream().filter("failed/wrong_password"::equals).count()).isEqualTo(checkedWrongs);
        assertThat(new SqlLockoutStore(w.ward.core().db()).get(TENANT, target).failures()).isEqualTo((int) checkedWrongs);
    }
}
