package dev.ward.server.metrics;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.ratelimit.RequestLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ward's Prometheus metrics (issue 16 item 1; the names are API.md's): what the server counts as it goes — validations
 * by outcome and their latency, audit events, logins and alerts as their events commit, rate-limit refusals — and what
 * it reads when scraped — live sessions and patient contexts per tenant, whether each store answers — beside the JVM's
 * and Jetty's own. Labels come only from bounded sets (tenants that exist, fixed outcome names), never from a request.
 */
public final class WardMetrics implements AuditTrail.Listener {
    private static final Logger log = LoggerFactory.getLogger(WardMetrics.class);

    /** The validation outcomes, as labels: valid, each 401 reason code, the 403s; anything else is {@code error}. */
    static final Set<String> VALIDATION_OUTCOMES = Set.of("valid", "session_invalid", "session_expired", "session_revoked",
            "session_tenant_mismatch", "mfa_enrollment_required", "permission_denied", "error");
    /** Buckets of ward_validation_seconds: the hot path's latency is milliseconds; a few buckets keep recording cheap. */
    private static final Duration[] VALIDATION_BUCKETS = {Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1)};

    /** What a scrape reads from the stores: tenant → count, or empty where the store cannot count it cheaply. */
    public interface Population {
        java.util.Optional<Map<String, Long>> liveSessions(Set<String> tenants);

        java.util.Optional<Map<String, Long>> livePatientContexts();
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer validationTimer;
    private final Map<String, Counter> validations = new ConcurrentHashMap<>();
    /** Counters by their label values, so that an event costs a map lookup, not a registry lookup. */
    private final Map<String, Counter> auditEvents = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> logins = new ConcurrentHashMap<>();
    private final Timer appendTimer;
    private final MultiGauge sessionsActive;
    private final MultiGauge contextsActive;
    private final Population population;
    private final Supplier<Set<String>> tenants;

    public WardMetrics(Population population, Supplier<Set<String>> tenants, Supplier<Map<String, Boolean>> readiness,
                RequestLimits limits) {
        this(population, tenants, readiness, limits, System::nanoTime);
    }

    /** As above, on a given monotonic clock (tests). */
    public WardMetrics(Population population, Supplier<Set<String>> tenants, Supplier<Map<String, Boolean>> readiness,
                RequestLimits limits, java.util.function.LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.budgetAt = nanoTime.getAsLong();
        this.population = population;
        this.tenants = tenants;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        validationTimer = Timer.builder("ward.validation").description("Time to answer POST /v1/sessions/validate")
                .serviceLevelObjectives(VALIDATION_BUCKETS).register(registry);
        for (String outcome : VALIDATION_OUTCOMES) {
            validations.put(outcome, Counter.builder("ward.validations").description("Session validations by outcome")
                    .tag("outcome", outcome).register(registry));
        }
        appendTimer = Timer.builder("ward.audit.append").description("Time to append audit events (in a change: before its commit)")
                .register(registry);
        sessionsActive = MultiGauge.builder("ward.sessions.active").description("Live sessions per tenant").register(registry);
        contextsActive = MultiGauge.builder("ward.patient.contexts.active").description("Live patient contexts per tenant")
                .register(registry);
        for (String store : List.of("database", "redis")) {
            Gauge.builder("ward.store.up", () -> {
                Boolean up = readiness.get().get(store);
                return up == null ? Double.NaN : up ? 1 : 0;
            }).description("1 when the store answers, 0 when not (absent: not configured)").tag("store", store).register(registry);
        }
        this.limits = limits;
    }

    private final RequestLimits limits;

    /** One validation: its outcome (a label of {@link #VALIDATION_OUTCOMES}) and how long it took. */
    public void validation(String outcome, long nanos) {
        validationTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        Counter c = validations.get(outcome);
        (c == null ? validations.get("error") : c).increment();
    }

    @Override
    public void appended(long nanos) {
        appendTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    @Override
    public void committed(List<AuditEntry> entries) {
        for (AuditEntry e : entries) {
            auditEvents.computeIfAbsent(e.tenant(), t -> Counter.builder("ward.audit.events")
                    .description("Audit events committed").tag("tenant", t).register(registry)).increment();
            switch (e.type()) {
                case "login.succeeded" -> login(e.tenant(), "succeeded");
                case "login.failed" -> login(e.tenant(), "failed");
                case "login.mfa_required" -> login(e.tenant(), "mfa_required");
                case "alert.raised" -> Counter.builder("ward.alerts").description("Alerts raised")
                        .tags("tenant", e.tenant(), "type", String.valueOf(e.details().get("alert_type")),
                                "severity", String.valueOf(e.details().get("severity")))
                        .register(registry).increment();
                default -> { }
            }
        }
    }

    private void login(String tenant, String outcome) {
        logins.computeIfAbsent(List.of(tenant, outcome), k -> Counter.builder("ward.logins")
                .description("Logins by outcome (mfa_required: the password was right, a code is due)")
                .tags("tenant", tenant, "outcome", outcome).register(registry)).increment();
    }

    /** Jetty's thread pool and connections, once the server exists. */
    public void bindJetty(org.eclipse.jetty.server.Server server) {
        new JettyServerThreadPoolMetrics(server.getThreadPool(), Tags.empty()).bindTo(registry);
        JettyConnectionMetrics.addToAllConnectors(server, registry);
    }

    /** The Prometheus text, the gauges read from the stores just before. */
    public String scrape() {
        refresh();
        return registry.scrape();
    }

    /**
     * How often the stores are counted for {@code ward_sessions_active} and {@code ward_patient_contexts_active}: a
     * budget of {@value #COUNT_BURST} counts that refills at one a second. Prometheus (every 15 s or more) and a person
     * reloading always see fresh counts; a flood of scrapes (the route may be open) gets the last counts again and
     * costs the stores at most one count a second, not one per request.
     */
    static final int COUNT_BURST = 10;
    private final Object countsLock = new Object();
    private double countBudget = COUNT_BURST;
    private long budgetAt;
    private boolean counted;
    private final java.util.function.LongSupplier nanoTime;

    private void refresh() {
        synchronized (countsLock) {
            long now = nanoTime.getAsLong();
            countBudget = Math.min(COUNT_BURST, countBudget + (now - budgetAt) / 1e9);
            budgetAt = now;
            if (counted && countBudget < 1) {
                return;
            }
            countBudget -= 1;
            counted = true;
            countStores();
        }
    }

    private void countStores() {
        Set<String> known = tenants.get();
        try {
            sessionsActive.register(rows(population.liveSessions(known), known), true);
        } catch (RuntimeException e) {
            log.warn("metrics: live sessions could not be counted: {}", e.getClass().getName());
        }
        try {
            contextsActive.register(rows(population.livePatientContexts(), known), true);
        } catch (RuntimeException e) {
            log.warn("metrics: live patient contexts could not be counted: {}", e.getClass().getName());
        }
        limits.counters().all().forEach((tenant, kinds) -> kinds.forEach((kind, n) ->
                FunctionCounter.builder("ward.rate.limited", limits.counters(), c -> c.refusals(tenant, kind))
                        .description("Requests refused by a rate limit").tags("tenant", tenant, "limit", kind.name().toLowerCase())
                        .register(registry)));
    }

    /** A row per tenant (0 where none); none at all where the store did not count (no gauge is better than a wrong 0). */
    private static List<MultiGauge.Row<?>> rows(java.util.Optional<Map<String, Long>> counts, Set<String> known) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        if (counts.isPresent()) {
            for (String tenant : known) {
                rows.add(MultiGauge.Row.of(Tags.of("tenant", tenant), counts.get().getOrDefault(tenant, 0L)));
            }
        }
        return rows;
    }
}
