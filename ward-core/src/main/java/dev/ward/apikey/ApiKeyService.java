package dev.ward.apikey;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.access.Scope;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.cache.Invalidations;
import dev.ward.cache.NodeCache;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.tenant.TenantService;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Issues, authenticates and revokes API keys. */
public final class ApiKeyService {
    public static final String PREFIX = "wak_";
    /** {@code wak_} and base64url of 32 random bytes. */
    private static final int KEY_CHARS = 43;

    private final ApiKeyStore store;
    private final TenantService tenants;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;
    /**
     * Recently authenticated keys by hash, so the validation hot path does not pay a database round trip
     * for the API key on every call. A revocation clears it on every node before it is answered
     * ({@link Invalidations}). Unknown and revoked keys are never cached.
     */
    private final NodeCache<String, Actor.ApiKey> recent;
    static final Duration CACHE_TTL = Duration.ofSeconds(10);

    public ApiKeyService(ApiKeyStore store, TenantService tenants, AdminGuard guard, AuditTrail audit,
                         Invalidations invalidations, Clock clock) {
        this.store = store;
        this.tenants = tenants;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
        this.recent = new NodeCache<>(invalidations, "api-keys", CACHE_TTL, 10_000, clock, hash -> store.findByHash(hash)
                .filter(k -> k.revokedAt() == null && Secrets.constantTimeEquals(k.keyHash(), hash))
                .map(k -> new Actor.ApiKey(k.tenant(), k.id(), k.scopes())));
    }

    public IssuedApiKey create(Actor actor, String tenant, String name, List<String> scopeNames) {
        guard.requireAdminOf(actor, tenant);
        tenants.find(tenant).orElseThrow(() -> ProblemException.notFound("tenant_not_found", "No such tenant."));
        if (name.isBlank() || name.length() > 100) {
            throw ProblemException.validation("name", "name must be 1-100 characters");
        }
        if (scopeNames.isEmpty()) {
            throw ProblemException.validation("scopes", "scopes must name at least one of sessions, patients, crypto, audit, admin");
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : scopeNames) {
            scopes.add(Scope.parse(s).orElseThrow(() ->
                    ProblemException.validation("scopes", "unknown scope '" + s + "'; use sessions, patients, crypto, audit or admin")));
        }
        String secret = Secrets.newToken(PREFIX, 32);
        ApiKey key = new ApiKey(Secrets.newId("key_"), tenant, name.strip(), scopes, Secrets.sha256Hex(secret), clock.instant(), null);
        audit.atomically(() -> {
            store.insert(key);
            audit.append(AuditEntry.of(tenant, "admin.api_key_created").actor(actor).detail("api_key_id", key.id())
                    .detail("scopes", scopes.stream().map(Scope::wire).sorted().toList()).build());
        });
        return new IssuedApiKey(key, secret);
    }

    /** The actor behind a presented key, if the key is well-formed, known and not revoked. */
    public Optional<Actor.ApiKey> authenticate(String presented) {
        if (!Secrets.hasTokenShape(presented, PREFIX, KEY_CHARS)) {
            return Optional.empty();
        }
        return recent.get(Secrets.sha256Hex(presented));
    }

    public List<ApiKey> list(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
        tenants.find(tenant).orElseThrow(() -> ProblemException.notFound("tenant_not_found", "No such tenant."));
        return store.list(tenant);
    }

    /** Revokes a key; it is refused on every node from the moment this returns. */
    public void revoke(Actor actor, String tenant, String id) {
        guard.requireAdminOf(actor, tenant);
        audit.atomically(() -> {
            if (!store.revoke(tenant, id, clock.instant())) {
                throw ProblemException.notFound("api_key_not_found", "No active API key with that id in this tenant.");
            }
            audit.append(AuditEntry.of(tenant, "admin.api_key_revoked").actor(actor).detail("api_key_id", id).build());
        });
        // Only once the revocation is committed may the other nodes be told to drop the key.
        recent.changed();
    }
}
