package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.patient.PatientStore;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.session.Admission;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.tenant.Policy;
import java.lang.management.ManagementFactory;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedded mode's liveness under concurrent audited patient writes (issue 13; bench/RESULTS.md, "Embedded mode stalled
 * under 20 connections of data writes"): the embedded file database, as {@code ./ward serve} opens it, and many virtual
 * threads (as Jetty runs requests) each validating a session and writing a patient value with its audit event in one
 * transaction, as {@code PUT /v1/session/patients/{id}/data/{key}} does. Every writer must finish, and the chain must
 * hold every event. The bound is a liveness bound (a stall never ends), not a timing assertion; on failure the test
 * prints the threads still inside the database.
 */
class EmbeddedConcurrentWritesTest {
    static final int SESSIONS = 50;
    static final int WRITERS = 64;
    static final int ROUNDS = 25;
    /** Far beyond what the work takes on a loaded 2-core machine; a stall never finishes at all. */
    static final Duration LIVENESS_BOUND = Duration.ofMinutes(3);

    static final String PASSWORD = "embedded-test-password-0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void concurrentAuditedPatientWritesAllFinish() throws Exception {
        try (SqlDatabase db = SqlDatabase.embedded(dir, PASSWORD)) {
            SqlSessionStore sessions = new SqlSessionStore(db);
            SqlPatientStore patients = new SqlPatientStore(db);
            AuditTrail audit = new AuditTrail(new SqlAuditStore(db), db::atomically, Clock.systemUTC());
            Instant now = Instant.now();
            List<String> tokens = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                String user = "usr_" + i;
                int route = SessionRoute.of("t1", user);
                Session s = new Session(SessionRoute.newSessionId(route), "t1", user, "u" + i, List.of("provider"), 1, now, now,
                        now.plus(Duration.ofHours(1)), now.plus(Duration.ofHours(8)), 0, new Client("203.0.113.7", "test"),
                        null, null, now, 0, false);
                String token = SessionRoute.newToken(s.id());
                assertThat(sessions.admit(s, Secrets.sha256Hex(token), Duration.ofHours(1), 10, Policy.OnLimit.REJECT, now))
                        .isInstanceOf(Admission.Admitted.class);
                assertThat(patients.open(s.id(), "p-1", now, Duration.ofMinutes(30), now.plus(Duration.ofHours(8)), false, 32)
                        .state()).isEqualTo(PatientStore.State.LIVE);
                tokens.add(token);
                ids.add(s.id());
            }
            String value = "\"" + "x".repeat(1400) + "\""; // about the size of a sealed 1 KiB value
            AtomicInteger written = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            AtomicReference<String> firstRefusal = new AtomicReference<>();
            List<Future<?>> writers = new ArrayList<>();
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            for (int w = 0; w < WRITERS; w++) {
                int first = w;
                writers.add(pool.submit(() -> {
                    for (int r = 0; r < ROUNDS; r++) {
                        int i = (first + r) % SESSIONS;
                        Instant at = Instant.now();
                        try {
                            if (!(sessions.touch(SessionRoute.parse(tokens.get(i)).orElseThrow(), "t1", at) instanceof Lookup.Touched)) {
                                throw new AssertionError("session " + i + " not live");
                            }
                            PatientStore.Result result = db.atomically(() -> {
                                PatientStore.Result done = patients.write(ids.get(i), "p-1", "chart", value, at, 32);
                                audit.append(AuditEntry.of("t1", "patient.data_written").session(ids.get(i)).patient("p-1")
                                        .detail("bytes", value.length()).build());
                                return done;
                            });
                            assertThat(result.state()).isEqualTo(PatientStore.State.LIVE);
                            written.incrementAndGet();
                        } catch (StoreUnavailableException busy) {
                            // A bounded wait that ran out (the pool's, 3 s) is an answer (503), not a stall: what the
                            // connections' holders were doing then is kept for the report.
                            if (refused.getAndIncrement() == 0) {
                                firstRefusal.set(stuckThreads());
                            }
                        }
                    }
                    return null;
                }));
            }
            pool.shutdown();
            if (!pool.awaitTermination(LIVENESS_BOUND.toSeconds(), TimeUnit.SECONDS)) {
                String stuck = stuckThreads();
                pool.shutdownNow();
                fail(written.get() + " of " + WRITERS * ROUNDS + " writes finished within " + LIVENESS_BOUND
                        + "; threads in the database:\n" + stuck);
            }
            for (Future<?> f : writers) {
                f.get(); // a writer's own failure, if any
            }
            System.out.println(written.get() + " writes, " + refused.get() + " answered 503 (pool wait ran out)"
                    + (firstRefusal.get() == null ? "" : "; threads in H2 at the first:\n" + firstRefusal.get()));
            assertThat(written.get()).isPositive();
            long events = db.call(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE tenant_id = 't1'")
                    .mapTo(Long.class).one());
            long head = db.call(h -> h.createQuery("SELECT seq FROM audit_heads WHERE tenant_id = 't1'").mapTo(Long.class).one());
            assertThat(events).isEqualTo(written.get());
            assertThat(head).isEqualTo(events);
        }
    }

    /** Every thread's stack, virtual ones included (as {@code jcmd Thread.dump_to_file} writes them); those inside H2. */
    private String stuckThreads() {
        try {
            Path file = dir.resolve("threads-" + System.nanoTime() + ".txt");
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            StringBuilder inH2 = new StringBuilder();
            for (String thread : Files.readString(file).split("\n\n")) {
                if (thread.contains("org.h2.")) {
                    inH2.append(thread).append("\n\n");
                }
            }
            return inH2.toString();
        } catch (Exception e) {
            return "(no thread dump: " + e + ")";
        }
    }
}
