package dev.ward.ratelimit;

import dev.ward.access.Actor;
import dev.ward.auth.RateLimiter;
import dev.ward.problem.RateLimitedException;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.session.Session;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import java.time.Duration;
import java.util.Optional;

/**
 * The request rate limits of C8 (decision 0028): per session on the patient-data routes, per client address within a
 * tenant, per API key, each a token bucket of its tenant's {@code rate_limit.*} calls a minute. A refusal throws
 * {@link RateLimitedException} and is counted in {@link RateLimitCounters}; nothing is written to the database or the
 * audit trail for it, so a flood of refused requests costs no writes. Which routes take which limit is the HTTP layer's
 * choice, listed in docs/security.md "Rate limits".
 */
public final class RequestLimits {
    /** The kinds of limit, named as their policy keys are. */
    public enum Kind {
        SESSION("rate_limit.per_minute"), IP("rate_limit.per_ip_per_minute"), API_KEY("rate_limit.per_api_key_per_minute");

        private final String policyKey;

        Kind(String policyKey) { this.policyKey = policyKey; }

        public String policyKey() { return policyKey; }
    }

    private final RateLimiter shared;
    private final RateLimiter local;
    private final TenantService tenants;
    private final RateLimitCounters counters = new RateLimitCounters();

    /**
     * @param shared the buckets all nodes count in (Redis in production; this process's memory when embedded)
     * @param local  this process's own buckets, used while {@code shared} cannot be reached: the limits then hold per
     *               node instead of per deployment, never not at all. Routes served from the database alone (encryption,
     *               administration, audit) keep working through a Redis outage, as they did before limits existed; the
     *               routes that need Redis for their sessions answer 503 then anyway.
     */
    public RequestLimits(RateLimiter shared, RateLimiter local, TenantService tenants) {
        this.shared = shared;
        this.local = local;
        this.tenants = tenants;
    }

    public RateLimitCounters counters() { return counters; }

    /** A call of this session to a patient-data route: {@code rate_limit.per_minute} of its tenant. */
    public void patientData(Session session) {
        take(session.tenant(), Kind.SESSION, "s:" + session.id(), policy(session.tenant()).patientDataPerMinute(),
                "patient-data calls for this session");
    }

    /**
     * A call from this client address into this tenant ({@code rate_limit.per_ip_per_minute}); calls that belong to no
     * tenant (public routes, refused credentials) count under {@code system}.
     */
    public void address(String tenant, String ip) {
        take(tenant, Kind.IP, "i:" + tenant + "\u0000" + ip, policy(tenant).perIpPerMinute(), "calls from this address");
    }

    /** A call made with this API key: {@code rate_limit.per_api_key_per_minute} of the key's tenant. */
    public void apiKey(Actor.ApiKey key) {
        take(key.tenant(), Kind.API_KEY, "k:" + key.keyId(), policy(key.tenant()).perApiKeyPerMinute(),
                "calls with this API key");
    }

    /**
     * Whether this session's refused permission check is still audited ({@code access.denied}): at most
     * {@code rate_limit.per_minute} of them a minute per session, in a bucket of their own, so a user or a page that
     * keeps asking for a module it may not use costs the trail a minute's worth of rows, not one a request. The refusal
     * itself stands either way; one not written is counted as a session-limit refusal.
     */
    public boolean auditDenial(Session session) {
        try {
            take(session.tenant(), Kind.SESSION, "d:" + session.id(), policy(session.tenant()).patientDataPerMinute(),
                    "audited denials for this session");
            return true;
        } catch (RateLimitedException flood) {
            return false;
        }
    }

    private void take(String tenant, Kind kind, String bucket, long perMinute, String what) {
        Optional<Duration> wait;
        try {
            wait = shared.acquire(bucket, perMinute);
        } catch (StoreUnavailableException down) {
            wait = local.acquire(bucket, perMinute);
        }
        if (wait.isPresent()) {
            counters.refused(tenant, kind);
            throw new RateLimitedException(what, wait.get());
        }
    }

    private Policy policy(String tenant) {
        // The node's cached tenant (no database read on the hot path); a tenant gone meanwhile takes the defaults.
        return tenants.cached(tenant).map(Tenant::policy).orElseGet(Policy::defaults);
    }
}
