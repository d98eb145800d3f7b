package dev.ward.tenant;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.cache.Invalidations;
import dev.ward.cache.NodeCache;
import dev.ward.problem.ProblemException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Creates tenants and manages their policy. */
public final class TenantService {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");

    private final TenantStore store;
    private final PolicySecrets secrets;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;
    /**
     * Tenants read on hot paths (validation needs the policy), kept briefly so a validation costs no extra
     * database round trip. A policy change is cleared from every node before it is answered ({@link Invalidations}).
     */
    private final NodeCache<String, Tenant> cache;
    /** Every tenant's allowed origins (lower case) under one key, cleared with the tenants. */
    private final NodeCache<String, Set<String>> allowedOrigins;
    private static final String ALL_TENANTS = "*";
    private static final Duration CACHE_TTL = Duration.ofSeconds(5);

    public TenantService(TenantStore store, PolicySecrets secrets, AdminGuard guard, AuditTrail audit, Invalidations invalidations,
                         Clock clock) {
        this.store = store;
        this.secrets = secrets;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
        this.cache = new NodeCache<>(invalidations, "tenants", CACHE_TTL, 100_000, clock, store::find);
        this.allowedOrigins = new NodeCache<>(invalidations, "tenants", CACHE_TTL, 1, clock, all -> Optional.of(originsOfAllTenants()));
    }

    public Tenant create(Actor actor, String id, String name, Map<String, ?> policyPatch) {
        guard.requireSystemAdmin(actor);
        if (!ID.matcher(id).matches()) {
            throw ProblemException.validation("id", "id must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit");
        }
        if (name.isBlank() || name.length() > 200) {
            throw ProblemException.validation("name", "name must be 1-200 characters");
        }
        Policy policy = Policy.defaults().merge(policyPatch, (path, clear) -> secrets.seal(id, path, clear));
        Tenant tenant = new Tenant(id, name.strip(), policy, 1, clock.instant());
        audit.atomically(() -> {
            if (!store.insert(tenant)) {
                throw ProblemException.conflict("tenant_exists", "A tenant with id '" + id + "' exists already.");
            }
            audit.append(AuditEntry.of(id, "admin.tenant_created").actor(actor).detail("tenant", id).build());
        });
        cache.changed();
        return tenant;
    }

    /**
     * Refuses an actor that may not administer the tenant. The services check this themselves; an entry point calls
     * it first too when it would otherwise read a request body before the service is reached, so that a caller
     * without the right learns nothing from validation messages (403 before 400).
     */
    public void requireAdminOf(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
    }

    /** As {@link #requireAdminOf}, for what only system administrators may do. */
    public void requireSystemAdmin(Actor actor) {
        guard.requireSystemAdmin(actor);
    }

    /** Creates a tenant without an actor: bootstrap only. False when it exists. */
    public boolean createIfAbsent(String id, String name) {
        return audit.atomically(() -> {
            boolean created = store.insert(new Tenant(id, name, Policy.defaults(), 1, clock.instant()));
            if (created) {
                audit.append(AuditEntry.of(id, "admin.tenant_created").actor(new Actor.Operator()).detail("tenant", id).build());
            }
            return created;
        });
    }

    /** Every tenant, for Ward's own chores (retention, sweeps), which act for no one; never for a request. */
    public List<Tenant> all() {
        return store.list();
    }

    public List<Tenant> list(Actor actor) {
        if (actor.isSystemAdmin()) {
            return store.list();
        }
        guard.requireAdminOf(actor, actor.tenant());
        return store.find(actor.tenant()).stream().toList();
    }

    public Tenant get(Actor actor, String id) {
        guard.requireAdminOf(actor, id);
        return require(id);
    }

    public Tenant updatePolicy(Actor actor, String id, Map<String, ?> patch) {
        guard.requireAdminOf(actor, id);
        for (int attempt = 0; attempt < 10; attempt++) {
            Tenant current = require(id);
            Policy next = current.policy().merge(patch, (path, clear) -> secrets.seal(id, path, clear));
            boolean updated = audit.atomically(() -> {
                if (!store.updatePolicy(id, next, current.policyVersion())) {
                    return false;
                }
                List<String> changed = patchedPaths(patch);
                audit.append(AuditEntry.of(id, "admin.tenant_policy_updated").actor(actor)
                        .detail("policy_version", current.policyVersion() + 1).detail("changed", changed)
                        .detail("settings", settingsChanged(changed, current.policy(), next)).build());
                return true;
            });
            if (updated) {
                cache.changed();
                return new Tenant(id, current.name(), next, current.policyVersion() + 1, current.createdAt());
            }
        }
        throw ProblemException.conflict("concurrent_update", "The policy changed concurrently; try again.");
    }

    /** The tenant's current policy, for services acting inside the tenant (no actor check: callers already hold its data). */
    public Optional<Tenant> find(String id) {
        return store.find(id);
    }

    /** The tenant as this node last read it, with every committed policy change; for hot paths inside the tenant. */
    public Optional<Tenant> cached(String id) {
        return cache.get(id);
    }

    /** Whether the tenant (as recently read) lists this origin in {@code browser.allowed_origins}. */
    public boolean allowsOrigin(String tenant, String origin) {
        return cached(tenant).map(t -> t.policy().allowsOrigin(origin)).orElse(false);
    }

    /**
     * Whether any tenant lists this origin: what a CORS preflight can know, since it names no tenant. Read from
     * all tenants once, then again after any tenant changes (on any node) or {@link #CACHE_TTL} at most.
     */
    public boolean anyTenantAllowsOrigin(String origin) {
        return allowedOrigins.get(ALL_TENANTS).orElseThrow().contains(origin.toLowerCase(Locale.ROOT));
    }

    private Set<String> originsOfAllTenants() {
        Set<String> all = new HashSet<>();
        for (Tenant t : store.list()) {
            t.policy().allowedOrigins().forEach(o -> all.add(o.toLowerCase(Locale.ROOT)));
        }
        return Set.copyOf(all);
    }

    /** A write-only setting of the tenant's current policy in clear, for the code that uses it; empty when unset. */
    public Optional<String> openSecret(Tenant tenant, String path, String sealed) {
        return sealed.isEmpty() ? Optional.empty() : Optional.of(secrets.open(tenant.id(), path, sealed));
    }

    /** The policy of a tenant that must exist (its sessions or users do). */
    public Policy policyOf(String id) {
        return cached(id).map(Tenant::policy).orElseThrow(() -> new IllegalStateException("tenant vanished: " + id));
    }

    private Tenant require(String id) {
        return store.find(id).orElseThrow(() -> ProblemException.notFound("tenant_not_found", "No such tenant."));
    }

    /**
     * The values before and after of the settings a change names ({@code {"session.idle_timeout_seconds": {"from": 1800,
     * "to": 900}}}), so that the trail itself shows which policy was in force when (compliance reports read it). Left
     * out: {@code alerts.*} — a webhook URL may carry a credential in its path and recipients are people's addresses —
     * and {@code permissions}; the trail names them in {@code changed} only.
     */
    private static Map<String, Object> settingsChanged(List<String> changed, Policy before, Policy after) {
        Map<String, Object> out = new java.util.TreeMap<>();
        for (String path : changed) {
            if (path.startsWith("alerts.")) {
                continue;
            }
            Optional<Object> from = before.setting(path);
            Optional<Object> to = after.setting(path);
            if (from.isPresent() && to.isPresent()) {
                out.put(path, Map.of("from", from.get(), "to", to.get()));
            }
        }
        return out;
    }

    private static List<String> patchedPaths(Map<String, ?> patch) {
        return patch.entrySet().stream()
                .flatMap(g -> g.getValue() instanceof Map<?, ?> m
                        ? m.keySet().stream().map(k -> g.getKey() + "." + k) : java.util.stream.Stream.of(g.getKey()))
                .sorted().toList();
    }
}
