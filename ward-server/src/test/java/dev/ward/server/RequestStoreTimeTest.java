package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.audit.AuditEntry;
import dev.ward.problem.StoreDeadline;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.store.sql.SqlAuditStore;
import dev.ward.store.sql.SqlDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 4, as the fault-injection run found it after the single waits were bounded: a request meeting a silent
 * PostgreSQL made several bounded waits in a row (the statement, the check of a commit in doubt, an audit append) and
 * answered after 8.7 s. With {@link StoreDeadline} the request's waits share one budget: here 1 s, so three calls and an
 * audit append against a database that answers nothing end together within about that, where each alone would wait
 * 3 s (the socket bound) or 6 s (the append bound). The bound asserted is below one single wait, so the test fails
 * without the shared budget, and leaves room for a loaded machine above the budget.
 */
class RequestStoreTimeTest {
    private static final Duration BUDGET = Duration.ofSeconds(1);
    private static final Duration BOUND = Duration.ofMillis(2800);

    @Test
    void aRequestsWaitsOnASilentDatabaseShareOneBudget() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("RequestStoreTimeTest");
             TcpProxy proxy = new TcpProxy(5432);
             SqlDatabase db = SqlDatabase.postgres(schema.url().replace("127.0.0.1:5432", "127.0.0.1:" + proxy.port()))) {
            SqlAuditStore audit = new SqlAuditStore(db);
            audit.appendOne(Instant.now(), AuditEntry.of("clinic", "test.before").build());
            assertThat(db.ping()).isTrue();

            proxy.pause();
            long took = CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                StoreDeadline.open(BUDGET);
                try {
                    for (int i = 0; i < 3; i++) {
                        assertThatThrownBy(() -> db.call(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()))
                                .isInstanceOf(StoreUnavailableException.class);
                    }
                    assertThatThrownBy(() -> audit.appendOne(Instant.now(), AuditEntry.of("clinic", "test.during").build()))
                            .isInstanceOf(StoreUnavailableException.class);
                } finally {
                    StoreDeadline.close();
                }
                return (System.nanoTime() - start) / 1_000_000;
            }).get(30, TimeUnit.SECONDS);
            assertThat(took).as("ms for three calls and an append on a paused database, budget %s", BUDGET)
                    .isLessThan(BOUND.toMillis());

            proxy.resume();
            // Nothing is stuck: the pool recovers, and work outside a request keeps its own bounds.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!db.ping() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(db.ping()).isTrue();
        }
    }
}
