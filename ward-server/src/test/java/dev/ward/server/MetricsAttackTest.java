package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.access.Actor;
import dev.ward.crypto.Secrets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Attacks on {@code GET /metrics} (review16): guessing the token, reading it where nobody set one, and minting time
 * series (memory that grows with what callers send).
 */
class MetricsAttackTest {
    static final String TOKEN = "metrics-token-0123456789abcdef";

    @Test
    void guessingTheTokenIsLimitedPerAddressLikeAnyRefusedCredential() {
        try (TestWard w = TestWard.configured(c -> c.withMetricsToken(Optional.of(TOKEN)))) {
            w.ward.core().tenants().updatePolicy(new Actor.Operator(), Actor.SYSTEM_TENANT,
                    Map.of("rate_limit", Map.of("per_ip_per_minute", 5)));
            int limited = 0;
            for (int i = 0; i < 20; i++) {
                var guess = w.send("GET", "/metrics", null, "Authorization", "Bearer guess-" + i);
                assertThat(guess.status()).as(guess.raw()).isIn(401, 429);
                if (guess.status() == 429) {
                    assertThat(guess.code()).isEqualTo("rate_limited");
                    assertThat(guess.header("Retry-After")).isNotNull();
                    limited++;
                }
            }
            // /metrics was "not limited": twenty guesses, twenty answers; at line speed a short token falls.
            assertThat(limited).as("guesses beyond the address's budget").isGreaterThanOrEqualTo(14);
            // The scraper with the token is not a refused credential and is not held back by the guesses' bucket.
            var right = w.send("GET", "/metrics", null, "Authorization", "Bearer " + TOKEN);
            assertThat(right.status()).as(right.raw()).isEqualTo(200);
        }
    }

    @Test
    void inProductionModeWithoutATokenTheMetricsStayAnOpenOperationsRouteAsApiMdSays() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("MetricsAttackTest");
             TestWard w = TestWard.onPostgres(schema.url(), Base64.getEncoder().encodeToString(Secrets.randomBytes(32)))) {
            w.createTenant("st-marys-oncology", Map.of());
            var open = w.send("GET", "/metrics", null);
            assertThat(open.status()).as(open.raw()).isEqualTo(200);
        }
        try (PostgresSchema schema = PostgresSchema.create("MetricsAttackTest");
             TestWard w = TestWard.configured(schema.url(), Base64.getEncoder().encodeToString(Secrets.randomBytes(32)),
                     Optional.empty(), c -> c.withMetricsToken(Optional.of(TOKEN)))) {
            w.createTenant("st-marys-oncology", Map.of());
            assertThat(w.send("GET", "/metrics", null).status()).isEqualTo(401);
            var scraped = w.send("GET", "/metrics", null, "Authorization", "Bearer " + TOKEN);
            assertThat(scraped.status()).as(scraped.raw()).isEqualTo(200);
            assertThat(scraped.raw()).contains("ward_sessions_active{tenant=\"st-marys-oncology\"}");
        }
    }

    /**
     * Was: every scrape counted every tenant's sessions and contexts in the store (a GROUP BY each), so a flood of
     * scrapes of the open route was a flood of database work. Now a burst of ten, then one count a second.
     */
    @Test
    void aFloodOfScrapesCostsTheStoresAtMostOneCountASecond() {
        try (TestWard w = new TestWard()) {
            floodOn(w.ward.core().limits());
        }
    }

    private static void floodOn(dev.ward.ratelimit.RequestLimits limits) {
        java.util.concurrent.atomic.AtomicLong counts = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        var metrics = new dev.ward.server.metrics.WardMetrics(new dev.ward.server.metrics.WardMetrics.Population() {
            @Override
            public Optional<Map<String, Long>> liveSessions(java.util.Set<String> tenants) {
                return Optional.of(Map.of("clinic", counts.incrementAndGet()));
            }

            @Override
            public Optional<Map<String, Long>> livePatientContexts() { return Optional.of(Map.of()); }
        }, () -> java.util.Set.of("clinic"), Map::of, limits, now::get);
        for (int i = 0; i < 1000; i++) {
            metrics.scrape();
        }
        assertThat(counts.get()).as("a burst of ten, then none until time passes").isEqualTo(10);
        assertThat(metrics.scrape()).as("the last counts are shown again").contains("ward_sessions_active{tenant=\"clinic\"} 10.0");
        now.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2500));
        for (int i = 0; i < 1000; i++) {
            metrics.scrape();
        }
        assertThat(counts.get()).as("one a second").isEqualTo(12);
        now.addAndGet(java.util.concurrent.TimeUnit.SECONDS.toNanos(60));
        metrics.scrape();
        assertThat(counts.get()).as("Prometheus every 15 s always sees fresh counts").isEqualTo(13);
    }

    @Test
    void checkSaysWhatAMissingTokenMeans() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ward-check-metrics");
        var exposed = dev.ward.server.cli.WardCli.run("check", "--host", "0.0.0.0", "--data-dir", dir.toString());
        assertThat(exposed.out()).as(exposed.err())
                .contains("WARD_METRICS_TOKEN is not set: /metrics (every tenant's id and counts) is open to anyone who reaches 0.0.0.0");
        try (PostgresSchema schema = PostgresSchema.create("MetricsAttackTest")) {
            WardProcess.Result production = WardProcess.run(Map.of("WARD_DATABASE_URL", schema.url(),
                    "WARD_MASTER_KEY", Base64.getEncoder().encodeToString(Secrets.randomBytes(32))), "check");
            assertThat(production.out()).as(production.err())
                    .contains("WARD_METRICS_TOKEN is not set: in production /metrics (every tenant's id and counts) is open");
        }
    }

    @Test
    void whatCallersSendMintsNoTimeSeries() {
        try (TestWard w = TestWard.configured(c -> c.withTrustedProxies(List.of("127.0.0.1")))) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
            String key = w.createApiKey("clinic", "sessions", "audit");
            scrape(w); // the lazily registered series (first refusals, first scrape's gauges) exist from here on
            w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "warm-up", "username", "u", "password", "p")));
            w.post("/v1/sessions/validate", TestWard.json(Map.of("token", "wst_warm")), key);
            long before = series(scrape(w));
            for (int i = 0; i < 50; i++) {
                String mint = "t" + i + "-" + Secrets.newId("");
                w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", mint, "username", mint, "password", mint)),
                        "X-Forwarded-For", "198.51.100." + i, "User-Agent", mint, "X-Request-Id", mint);
                w.post("/v1/sessions/validate", TestWard.json(Map.of("token", "wst_" + mint)), key);
                w.post("/v1/audit/events", TestWard.json(Map.of("type", "app." + mint.replace('-', '_').toLowerCase(),
                        "details", Map.of("alert_type", mint, "severity", mint))), key);
                w.post("/v1/audit/events", TestWard.json(Map.of("type", "alert.raised",
                        "details", Map.of("alert_type", mint, "severity", mint))), key);
                w.get("/v1/" + mint, null);
            }
            String after = scrape(w);
            assertThat(series(after)).as("series after 50 callers' own tenants, tokens, types and paths").isEqualTo(before);
            assertThat(after).doesNotContain("t7-").doesNotContain("198.51.100.");
        }
    }

    private static String scrape(TestWard w) {
        var r = w.send("GET", "/metrics", null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.raw();
    }

    /** Ward's own time series (the JVM's and Jetty's come and go with threads and pools). */
    private static long series(String text) {
        return text.lines().filter(l -> l.startsWith("ward_")).count();
    }
}
