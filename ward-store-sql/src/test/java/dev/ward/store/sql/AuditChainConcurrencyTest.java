package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditChain;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.testing.MutableClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Appends from many threads on two nodes (two connection pools on one PostgreSQL schema) form one linear chain per
 * tenant: positions 1..n without a gap or a repeat, each event linked to the one before, every hash recomputable
 * (issue 11, item 1) — for appends grouped outside transactions and appends inside them alike.
 */
class AuditChainConcurrencyTest {
    private static final int THREADS_PER_NODE = 8;
    private static final int EVENTS_PER_THREAD = 60;
    private static final List<String> TENANTS = List.of("north", "south");

    private record Row(long seq, String prev, String hash, String type, String recomputed) {}

    @Test
    void twoNodesAppendingAtOnceMakeOneChainPerTenantOnPostgres() throws Exception {
        if (TestPostgres.unreachable().isPresent()) {
            System.out.println("SKIPPED SUITE AuditChainConcurrencyTest: PostgreSQL is not reachable");
            return;
        }
        String schema = TestPostgres.createSchema("chain");
        try (SqlDatabase a = SqlDatabase.postgres(TestPostgres.urlOf(schema));
             SqlDatabase b = SqlDatabase.postgres(TestPostgres.urlOf(schema))) {
            appendFromBoth(a, b);
            for (String tenant : TENANTS) {
                assertLinear(a, tenant, 2 * THREADS_PER_NODE * EVENTS_PER_THREAD);
            }
        } finally {
            TestPostgres.dropSchema(schema);
        }
    }

    @Test
    void manyThreadsAppendingAtOnceMakeOneChainPerTenantOnH2() throws Exception {
        try (SqlDatabase db = SqlDatabase.inMemory("chain-" + java.util.UUID.randomUUID())) {
            appendFromBoth(db, db);
            for (String tenant : TENANTS) {
                assertLinear(db, tenant, 2 * THREADS_PER_NODE * EVENTS_PER_THREAD);
            }
        }
    }

    /**
     * Callers interrupted while they wait (a request thread cancelled) either give up before a leader took their events —
     * 503, never written — or get their answer; none loses the lead, which would leave every later append waiting for
     * a leader that never comes. Exactly the appends that answered a position are in the chain, and it is linear.
     */
    @Test
    void interruptedCallersNeitherLoseTheLeadNorLeaveEventsTheyWereRefused() throws Exception {
        try (SqlDatabase db = SqlDatabase.inMemory("chain-interrupt-" + java.util.UUID.randomUUID())) {
            SqlAuditStore store = new SqlAuditStore(db);
            java.time.Instant at = java.time.Instant.parse("2026-11-22T10:00:00Z");
            java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                int thread = t;
                writers.add(new Thread(() -> {
                    for (int i = 0; i < 150; i++) {
                        try {
                            store.appendOne(at, AuditEntry.of("north", "test.alone").detail("thread", thread).detail("i", i).build());
                            answered.incrementAndGet();
                        } catch (dev.ward.problem.StoreUnavailableException e) {
                            refused.incrementAndGet();
                        }
                        Thread.interrupted(); // an interrupt that came after the answer is for the next request
                    }
                }));
            }
            writers.forEach(Thread::start);
            Thread chaos = new Thread(() -> {
                java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
                while (!stop.get()) {
                    writers.get(rnd.nextInt(writers.size())).interrupt();
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            });
            chaos.start();
            for (Thread w : writers) {
                w.join(120_000);
                assertThat(w.isAlive()).as("a writer still waiting after two minutes: the lead was lost").isFalse();
            }
            stop.set(true);
            chaos.join();
            // The lead is free: one more append is answered at once, not after APPEND_TIMEOUT.
            long t0 = System.nanoTime();
            store.appendOne(at, AuditEntry.of("north", "test.after").build());
            answered.incrementAndGet();
            assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for an append after the interrupts").isLessThan(
                    SqlAuditStore.APPEND_TIMEOUT.toMillis());
            assertThat(answered.get() + refused.get()).isEqualTo(12 * 150 + 1);
            assertThat(refused.get()).as("interrupts that came while callers waited").isPositive();
            assertLinear(db, "north", (int) answered.get());
        }
    }

    /** Half the threads append on their own (group commit), half inside a transaction with a database change. */
    private static void appendFromBoth(SqlDatabase a, SqlDatabase b) throws Exception {
        MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
        List<AuditTrail> trails = List.of(new AuditTrail(new SqlAuditStore(a), a::atomically, clock),
                new AuditTrail(new SqlAuditStore(b), b::atomically, clock));
        ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_NODE);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int node = 0; node < 2; node++) {
            AuditTrail trail = trails.get(node);
            SqlDatabase db = node == 0 ? a : b;
            for (int t = 0; t < THREADS_PER_NODE; t++) {
                boolean inTransaction = t % 2 == 1;
                int thread = node * THREADS_PER_NODE + t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < EVENTS_PER_THREAD; i++) {
                        for (String tenant : TENANTS) {
                            AuditEntry e = AuditEntry.of(tenant, inTransaction ? "test.with_change" : "test.alone")
                                    .detail("thread", thread).detail("i", i).build();
                            if (inTransaction) {
                                trail.atomically(() -> {
                                    db.run(h -> h.createQuery("SELECT COUNT(*) FROM tenants").mapTo(Long.class).one());
                                    trail.append(e);
                                });
                            } else {
                                trail.append(e);
                            }
                        }
                    }
                    return null;
                }));
            }
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
    }

    private static void assertLinear(SqlDatabase db, String tenant, int expected) {
        List<Row> rows = db.call(h -> h.createQuery("SELECT * FROM audit_events WHERE tenant_id = :t ORDER BY chain_seq")
                .bind("t", tenant).map((rs, ctx) -> {
                    String recomputed = AuditChain.hash(rs.getString("prev_hash"), tenant, rs.getLong("chain_seq"),
                            Columns.instant(rs, "at"), rs.getString("type"), rs.getString("outcome"), rs.getString("actor"),
                            rs.getString("user_id"), rs.getString("session_id"), rs.getString("patient_id"), rs.getString("ip"),
                            rs.getString("details"));
                    return new Row(rs.getLong("chain_seq"), rs.getString("prev_hash"), rs.getString("hash"), rs.getString("type"),
                            recomputed);
                }).list());
        assertThat(rows).hasSize(expected);
        String prev = AuditChain.GENESIS;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            assertThat(r.seq()).as(tenant + " position").isEqualTo(i + 1);
            assertThat(r.prev()).as(tenant + " link at " + r.seq()).isEqualTo(prev);
            assertThat(r.hash()).as(tenant + " hash at " + r.seq()).isEqualTo(r.recomputed());
            prev = r.hash();
        }
        Map<String, Object> head = db.call(h -> h.createQuery("SELECT seq, hash FROM audit_heads WHERE tenant_id = :t").bind("t", tenant)
                .mapToMap().one());
        assertThat(((Number) head.get("seq")).longValue()).isEqualTo(expected);
        assertThat(head.get("hash")).isEqualTo(prev);
    }
}
