package dev.ward.bench;

import dev.ward.access.Actor;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditSearch;
import dev.ward.server.AuditExportFormat;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The audit trail's numbers (issue 11, "Measure"), each beside a baseline measured in the same run:
 * <ol>
 *   <li>chained appends per second through Ward's group-commit path (AuditTrail.append outside a transaction) on
 *       PostgreSQL with 1, 8 and 32 writer threads spread over two Ward cores (two pools: two nodes), one tenant (one
 *       chain: the worst case), beside pgbench single-row INSERT commits with as many clients;</li>
 *   <li>the same on the embedded H2 (one node), beside plain JDBC single-row INSERT commits;</li>
 *   <li>search latency (p50/p99) of several filters over 10^6 events on PostgreSQL, beside a primary-key lookup;</li>
 *   <li>verify rate (events/s of AuditVerifier) and export rate (events/s) of NDJSON, CSV and FHIR, beside a plain JDBC
 *       scan of the same rows.</li>
 * </ol>
 * Usage: {@code AuditBench <postgres admin JDBC URL> <pgbench path> <seconds per append run> <events for search>}; with
 * {@code 0} events only the appends run (a few minutes instead of a quarter of an hour: the 10^6-event load is most of it).
 * With {@code -Daudit.only=h2}, only the embedded H2 appends (no PostgreSQL needed).
 * Not a test: bench/audit.sh runs it, outside ./ward test.
 */
public final class AuditBench {
    private static final String TENANT = "bench";

    public static void main(String[] args) throws Exception {
        String admin = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
        String pgbench = args.length > 1 ? args[1] : "pgbench";
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int events = args.length > 3 ? Integer.parseInt(args[3]) : 1_000_000;
        String key = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
        if ("h2".equals(System.getProperty("audit.only"))) {
            h2Appends(key, seconds); // -Daudit.only=h2: the embedded appends alone (an A/B of appender settings on H2)
            return;
        }
        String db = "ward_bench_audit_" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
            ResultSet rs = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit'), version()");
            rs.next();
            System.out.printf("# PostgreSQL: fsync=%s synchronous_commit=%s; %s%n", rs.getString(1), rs.getString(2),
                    rs.getString(3).split(",")[0]);
        }
        String url = admin.replaceFirst("/[^/?]*(\\?|$)", "/" + db + "$1");
        try {
            postgresAppends(url, key, pgbench, admin, db, seconds);
            h2Appends(key, seconds);
            if (events > 0) {
                searchAndExport(url, key, events);
            }
        } finally {
            try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            }
        }
    }

    private static Ward.Core postgresCore(String url, String key) {
        return Ward.Core.open(Config.fromEnvironment(Map.of("WARD_DATABASE_URL", url, "WARD_MASTER_KEY", key),
                "127.0.0.1", 0, Path.of(System.getProperty("java.io.tmpdir"))), Clock.systemUTC());
    }

    private static AuditEntry entry(int i) {
        return AuditEntry.of(TENANT, "patient.data_read").actor("user:usr_bench" + (i % 100)).user("usr_bench" + (i % 100))
                .session("ses_bench" + (i % 300)).patient("pat-" + (i % 5000)).ip("10.0.0." + (i % 250)).detail("key", "notes").build();
    }

    /** Appends as fast as {@code threads} writers can over the cores given (writers assigned in turn) for the time. */
    private static double appendRate(List<Ward.Core> nodes, int threads, int seconds) throws InterruptedException {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(threads);
        List<Thread> writers = new ArrayList<>();
        long[] started = new long[1];
        for (int t = 0; t < threads; t++) {
            Ward.Core node = nodes.get(t % nodes.size());
            Thread w = new Thread(() -> {
                ready.countDown();
                int i = 0;
                while (!stop.get()) {
                    node.audit().append(entry(i++));
                    done.increment();
                }
            });
            writers.add(w);
        }
        // Warm-up: one second, not counted.
        writers.forEach(Thread::start);
        ready.await();
        Thread.sleep(1000);
        long before = done.sum();
        started[0] = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long after = done.sum();
        double rate = (after - before) / ((System.nanoTime() - started[0]) / 1e9);
        stop.set(true);
        for (Thread w : writers) {
            w.join();
        }
        return rate;
    }

    private static void postgresAppends(String url, String key, String pgbench, String admin, String db, int seconds) throws Exception {
        System.out.println();
        System.out.println("## chained appends, PostgreSQL, two nodes (two Ward cores, two pools of 16), one tenant chain");
        // The two nodes are opened for each Ward run and closed before pgbench runs: their pools (32 connections) and
        // pgbench's 32 clients at once would exceed a shared server's max_connections (100).
        try (Ward.Core a = postgresCore(url, key)) {
            a.tenants().createIfAbsent(TENANT, "Bench");
        }
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE bench_insert (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, tenant_id VARCHAR(256), "
                    + "type VARCHAR(64), details VARCHAR NOT NULL)");
        }
        Path script = Files.createTempFile("pgbench-insert", ".sql");
        Files.writeString(script, "INSERT INTO bench_insert (at, tenant_id, type, details) VALUES (now(), 'bench', "
                + "'patient.data_read', '{\"key\":\"notes\"}');\n");
        System.out.println("| writers | Ward chained appends/s | pgbench single-row INSERT commits/s (same clients) | ratio |");
        System.out.println("|---|---|---|---|");
        for (int threads : new int[] {1, 8, 32}) {
            double ward;
            try (Ward.Core a = postgresCore(url, key); Ward.Core b = postgresCore(url, key)) {
                ward = appendRate(List.of(a, b), threads, seconds);
            }
            double pg = pgbench(pgbench, url, script, threads, seconds);
            System.out.printf(Locale.ROOT, "| %d | %,.0f | %,.0f | %.2f |%n", threads, ward, pg, ward / pg);
        }
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT COUNT(*), MAX(chain_seq), COUNT(DISTINCT chain_seq) FROM audit_events WHERE tenant_id = 'bench'");
            rs.next();
            System.out.printf("chain check: %d events, max seq %d, distinct seqs %d (one linear chain: all three equal)%n",
                    rs.getLong(1), rs.getLong(2), rs.getLong(3));
        }
    }

    /** pgbench with a custom script: tps over {@code seconds}, excluding connection set-up. */
    private static double pgbench(String pgbench, String jdbcUrl, Path script, int clients, int seconds) throws Exception {
        String db = jdbcUrl.replaceFirst("^jdbc:postgresql://[^/]+/([^?]+).*$", "$1");
        Process p = new ProcessBuilder(pgbench, "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", Integer.toString(clients),
                "-j", Integer.toString(Math.min(clients, 2)), "-T", Integer.toString(seconds), "-f", script.toString(), db)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        for (String line : out.split("\n")) {
            if (line.startsWith("tps = ")) {
                return Double.parseDouble(line.substring(6).split(" ")[0]);
            }
        }
        throw new IllegalStateException("pgbench said: " + out);
    }

    private static void h2Appends(String key, int seconds) throws Exception {
        System.out.println();
        System.out.println("## chained appends, embedded H2 (one node), one tenant chain");
        Path dir = Files.createTempDirectory("ward-bench-h2");
        try (Ward.Core core = Ward.Core.open(Config.fromEnvironment(Map.of("WARD_MASTER_KEY", key), "127.0.0.1", 0, dir),
                Clock.systemUTC())) {
            core.tenants().createIfAbsent(TENANT, "Bench");
            core.db().run(h -> h.execute("CREATE TABLE bench_insert (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                    + "at TIMESTAMP WITH TIME ZONE NOT NULL, tenant_id VARCHAR(256), type VARCHAR(64), details VARCHAR NOT NULL)"));
            System.out.println("| writers | Ward chained appends/s | plain single-row INSERT commits/s (same threads, same pool) | ratio |");
            System.out.println("|---|---|---|---|");
            for (int threads : new int[] {1, 8, 32}) {
                double ward = appendRate(List.of(core), threads, seconds);
                double plain = plainInsertRate(core, threads, seconds);
                System.out.printf(Locale.ROOT, "| %d | %,.0f | %,.0f | %.2f |%n", threads, ward, plain, ward / plain);
            }
        }
    }

    private static double plainInsertRate(Ward.Core core, int threads, int seconds) throws InterruptedException {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            writers.add(new Thread(() -> {
                while (!stop.get()) {
                    core.db().run(h -> h.execute("INSERT INTO bench_insert (at, tenant_id, type, details) VALUES (CURRENT_TIMESTAMP, "
                            + "'bench', 'patient.data_read', '{\"key\":\"notes\"}')"));
                    done.increment();
                }
            }));
        }
        writers.forEach(Thread::start);
        Thread.sleep(1000);
        long before = done.sum();
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double rate = (done.sum() - before) / ((System.nanoTime() - t0) / 1e9);
        stop.set(true);
        for (Thread w : writers) {
            w.join();
        }
        return rate;
    }

    private static final String[] TYPES = {"login.succeeded", "login.failed", "session.created", "session.expired", "session.revoked",
            "patient.opened", "patient.data_read", "patient.data_written", "patient.closed", "patient.cleared", "patient.break_glass",
            "mfa.verified", "mfa.failed", "admin.user_created", "key.rotated", "app.patient.read", "app.patient.update",
            "app.report.printed"};
    /** Relative frequencies: reads dominate, break-glass and key rotations are rare. */
    private static final int[] WEIGHTS = {60, 6, 60, 40, 10, 80, 300, 60, 70, 30, 1, 40, 2, 1, 1, 100, 20, 5};

    private static void searchAndExport(String url, String key, int events) throws Exception {
        System.out.println();
        System.out.printf("## search and export, PostgreSQL, %,d events in one tenant (+%,d in another)%n", events, events / 10);
        try (Ward.Core core = postgresCore(url, key)) {
            core.tenants().createIfAbsent("other", "Other");
            Instant start = Instant.parse("2026-01-01T00:00:00Z");
            int batch = 1000;
            long t0 = System.nanoTime();
            int[] cumulative = new int[WEIGHTS.length];
            for (int i = 0, sum = 0; i < WEIGHTS.length; i++) {
                cumulative[i] = sum += WEIGHTS[i];
            }
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            dev.ward.store.sql.SqlAuditStore loader = new dev.ward.store.sql.SqlAuditStore(core.db());
            for (String tenant : List.of(TENANT, "other")) {
                int n = tenant.equals(TENANT) ? events : events / 10;
                for (int done = 0; done < n; done += batch) {
                    List<AuditEntry> entries = new ArrayList<>(batch);
                    for (int j = 0; j < batch; j++) {
                        int pick = rnd.nextInt(cumulative[cumulative.length - 1]);
                        int k = 0;
                        while (cumulative[k] <= pick) {
                            k++;
                        }
                        String type = TYPES[k];
                        AuditEntry.Builder b = AuditEntry.of(tenant, type).user("usr_" + rnd.nextInt(2000)).session("ses_" + rnd.nextInt(20000))
                                .ip("10.1." + rnd.nextInt(256) + "." + rnd.nextInt(256));
                        if (type.contains("patient")) {
                            b.patient("pat-" + rnd.nextInt(50_000)).detail("action", "R");
                        }
                        entries.add(b.build());
                    }
                    // A year of events, evenly: each batch shares its time.
                    Instant at = start.plus(Duration.ofSeconds((long) done * 365 * 86400 / n)).truncatedTo(ChronoUnit.MILLIS);
                    loader.append(at, entries);
                }
            }
            System.out.printf(Locale.ROOT, "loaded %,d events through the chained append (batches of %d) in %.1f s%n",
                    events + events / 10, batch, (System.nanoTime() - t0) / 1e9);
            core.db().run(h -> h.execute("ANALYZE audit_events"));

            AuditSearch search = core.auditSearch();
            Actor op = new Actor.Operator();
            // The baseline: one event by its primary key (the cheapest indexed read there is).
            Stats pk = time(300, () -> {
                long seq = 1 + ThreadLocalRandom.current().nextLong(events);
                return core.db().call(h -> h.createQuery("SELECT * FROM audit_events WHERE seq = :s").bind("s", seq).mapToMap().list()).size();
            });
            System.out.printf(Locale.ROOT, "baseline: primary-key lookup of one event: p50 %.2f ms, p99 %.2f ms%n", pk.p50(), pk.p99());
            System.out.println("| search (limit 100, first page unless said) | p50 ms | p99 ms | p50 ÷ primary-key p50 | events on page (median) |");
            System.out.println("|---|---|---|---|---|");
            Instant mid = start.plus(Duration.ofDays(180));
            Map<String, Supplier<AuditSearch.Filter>> filters = new java.util.LinkedHashMap<>();
            filters.put("no filter", () -> AuditSearch.Filter.of(TENANT));
            filters.put("user_id", () -> new AuditSearch.Filter(TENANT, "usr_" + rnd().nextInt(2000), null, null, null, null));
            filters.put("patient_id", () -> new AuditSearch.Filter(TENANT, null, "pat-" + rnd().nextInt(50_000), null, null, null));
            filters.put("type (common: patient.data_read)", () -> new AuditSearch.Filter(TENANT, null, null, "patient.data_read", null, null));
            filters.put("type (rare: patient.break_glass)", () -> new AuditSearch.Filter(TENANT, null, null, "patient.break_glass", null, null));
            filters.put("type prefix patient.*", () -> new AuditSearch.Filter(TENANT, null, null, "patient.*", null, null));
            filters.put("from/to (one day, mid-year)", () -> {
                Instant f = mid.plus(Duration.ofDays(rnd().nextInt(30)));
                return new AuditSearch.Filter(TENANT, null, null, null, f, f.plus(Duration.ofDays(1)));
            });
            filters.put("user_id + type prefix patient.*", () -> new AuditSearch.Filter(TENANT, "usr_" + rnd().nextInt(2000), null, "patient.*", null, null));
            filters.put("user_id + from/to (one week)", () -> {
                Instant f = mid.plus(Duration.ofDays(rnd().nextInt(30)));
                return new AuditSearch.Filter(TENANT, "usr_" + rnd().nextInt(2000), null, null, f, f.plus(Duration.ofDays(7)));
            });
            filters.put("patient_id + type patient.break_glass", () -> new AuditSearch.Filter(TENANT, null, "pat-" + rnd().nextInt(50_000),
                    "patient.break_glass", null, null));
            filters.put("type rare + from/to (one week)", () -> {
                Instant f = mid.plus(Duration.ofDays(rnd().nextInt(30)));
                return new AuditSearch.Filter(TENANT, null, null, "mfa.failed", f, f.plus(Duration.ofDays(7)));
            });
            for (var f : filters.entrySet()) {
                List<Integer> sizes = new ArrayList<>();
                Stats st = time(200, () -> {
                    int n = search.search(op, f.getValue().get(), 100, null).events().size();
                    sizes.add(n);
                    return n;
                });
                sizes.sort(Integer::compare);
                System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.1f | %d |%n", f.getKey(), st.p50(), st.p99(), st.p50() / pk.p50(),
                        sizes.get(sizes.size() / 2));
            }
            // A deep page: the cursor of an event half-way down the chain.
            Stats deep = time(200, () -> {
                String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(("s" + (events / 2 + rnd().nextInt(1000))).getBytes());
                return search.search(op, AuditSearch.Filter.of(TENANT), 100, cursor).events().size();
            });
            System.out.printf(Locale.ROOT, "| no filter, a page half-way down (cursor) | %.2f | %.2f | %.1f | 100 |%n", deep.p50(), deep.p99(),
                    deep.p50() / pk.p50());

            System.out.println();
            System.out.println("query plans (EXPLAIN, PostgreSQL), one per filter column set:");
            String base = "SELECT * FROM audit_events WHERE tenant_id = 'bench'";
            for (String where : List.of("", " AND user_id = 'usr_7'", " AND patient_id = 'pat-7'", " AND type = 'patient.break_glass'",
                    " AND at >= '2026-07-01T00:00:00Z' AND at < '2026-07-02T00:00:00Z'", " AND user_id = 'usr_7' AND type = 'patient.opened'",
                    " AND patient_id = 'pat-7' AND type = 'patient.break_glass'", " AND type = 'mfa.failed' AND at >= '2026-07-01T00:00:00Z' AND at < '2026-07-08T00:00:00Z'",
                    " AND chain_seq < 500000")) {
                String sql = base + where + " ORDER BY chain_seq DESC LIMIT 101";
                List<String> plan = core.db().call(h -> h.createQuery("EXPLAIN " + sql).mapTo(String.class).list());
                System.out.println("  " + where.replaceFirst("^ AND ", "").replaceAll("^$", "(no filter)") + " -> "
                        + String.join(" / ", plan.stream().map(String::strip).filter(l -> l.contains("Scan") || l.contains("Sort")
                        || l.contains("Merge")).map(l -> l.replaceAll("\\s+\\(cost.*", "")).toList()));
            }

            System.out.println();
            System.out.println("| verify; export (AuditSearch.export pages of 1000 → AuditExportFormat → a stream that counts bytes) | events/s | MB/s | ÷ plain JDBC scan |");
            System.out.println("|---|---|---|---|");
            long scanT0 = System.nanoTime();
            long scanned = core.db().call(h -> {
                long n = 0;
                try (var it = h.createQuery("SELECT * FROM audit_events WHERE tenant_id = 'bench' ORDER BY chain_seq").setFetchSize(1000)
                        .mapToMap().iterator()) {
                    while (it.hasNext()) {
                        it.next();
                        n++;
                    }
                }
                return n;
            });
            double scanRate = scanned / ((System.nanoTime() - scanT0) / 1e9);
            System.out.printf(Locale.ROOT, "| baseline: plain JDBC scan of the rows in chain order (fetch size 1000) | %,.0f | | 1.00 |%n", scanRate);
            // Verify (AuditVerifier, as GET /v1/admin/audit/verify and ./ward audit verify run it): pages of 1000 by
            // position, every hash recomputed from the stored fields, every link and position checked.
            long v0 = System.nanoTime();
            dev.ward.audit.AuditVerifier.Result verified = core.auditVerifier().verify(op, TENANT, n -> { });
            double verifySecs = (System.nanoTime() - v0) / 1e9;
            if (!verified.ok()) {
                throw new IllegalStateException("the loaded chain did not verify: " + verified.answer());
            }
            System.out.printf(Locale.ROOT, "| verify (AuditVerifier: every hash recomputed, every link checked; %,d events) | %,.0f | | %.2f |%n",
                    verified.checked(), verified.checked() / verifySecs, (verified.checked() / verifySecs) / scanRate);
            for (AuditExportFormat format : AuditExportFormat.values()) {
                // FHIR (HAPI builds and encodes a resource per event) runs over the first 50,000 events only.
                long max = format == AuditExportFormat.FHIR ? Math.min(50_000, events) : Long.MAX_VALUE;
                Counting out = new Counting();
                long x0 = System.nanoTime();
                Iterator<AuditEvent> it = search.export(op, TENANT, null, null, format.wire());
                long[] n = {0};
                format.write(new Iterator<>() {
                    @Override public boolean hasNext() { return n[0] < max && it.hasNext(); }
                    @Override public AuditEvent next() { n[0]++; return it.next(); }
                }, out);
                double secs = (System.nanoTime() - x0) / 1e9;
                System.out.printf(Locale.ROOT, "| %s (%,d events) | %,.0f | %.1f | %.2f |%n", format.wire(), n[0], n[0] / secs, out.bytes / secs / 1e6,
                        (n[0] / secs) / scanRate);
            }
        }
    }

    private static ThreadLocalRandom rnd() { return ThreadLocalRandom.current(); }

    private record Stats(double p50, double p99) {}

    private static Stats time(int runs, Supplier<Integer> work) {
        for (int i = 0; i < 20; i++) {
            work.get();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            work.get();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new Stats(ms[runs / 2], ms[(int) Math.ceil(runs * 0.99) - 1]);
    }

    /** Counts bytes and keeps none. */
    private static final class Counting extends OutputStream {
        long bytes;
        @Override public void write(int b) { bytes++; }
        @Override public void write(byte[] b, int off, int len) { bytes += len; }
    }

    private AuditBench() {}

}
