package dev.ward.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.aead.KmsEnvelopeAead;
import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.cache.Invalidations;
import dev.ward.cache.NodeCache;
import dev.ward.problem.ProblemException;
import dev.ward.tenant.TenantService;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Each tenant's versioned AES-256-GCM keys (Tink keysets, one per version, stored wrapped by the master key),
 * and Ward's encryption under them. Every value gets its own data key (DEK), sealed by the tenant's primary
 * version (envelope encryption), so rewrapping to a newer version re-seals 44 bytes and never touches the value,
 * and destroying a version makes every value under it unreadable (crypto-shredding).
 *
 * <p>Keys load lazily and are cached briefly (bounded): a deployment of thousands of tenants holds only the keys
 * in use. A rotation or destruction clears them on every node before it is answered ({@link Invalidations}), so
 * no node seals under a demoted version or opens with a destroyed one afterwards; {@link #FRESHNESS} bounds what a
 * lost notice could cost, and a version is destroyed only once it has not been the primary for that long, so
 * nothing still sealing under it (a request in flight, a node that missed the notice) loses what it seals.
 */
public final class TenantKeys implements TenantCipher {
    public static final Duration FRESHNESS = Duration.ofSeconds(10);
    private static final String WRAPPING_PURPOSE = "tenant-keysets";
    private static final byte[] NO_ASSOCIATED_DATA = new byte[0];
    private static final AesGcmParameters AES256_GCM;

    static {
        try {
            AeadConfig.register();
            AES256_GCM = AesGcmParameters.builder().setKeySizeBytes(32).setIvSizeBytes(12).setTagSizeBytes(16)
                    .setVariant(AesGcmParameters.Variant.NO_PREFIX).build();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private record VersionOf(String tenant, int version) {}

    /** A version's key (seals DEKs) and the envelope AEAD over it (seals values). */
    private record Loaded(Aead kek, Aead envelope) {
        @Override public String toString() { return "Loaded[<redacted>]"; }
    }

    private final KeyStore store;
    private final Aead wrapping;
    private final TenantService tenants;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;
    /** Both clear together (one topic) on every node when any tenant's keys change. */
    private final NodeCache<String, Integer> primaries;
    private final NodeCache<VersionOf, Loaded> loaded;
    private final List<Resealable> sealedKinds = new CopyOnWriteArrayList<>();

    public TenantKeys(KeyStore store, MasterKeyCipher master, TenantService tenants, AdminGuard guard, AuditTrail audit,
                      Invalidations invalidations, Clock clock) {
        this.store = store;
        this.wrapping = master.aead(WRAPPING_PURPOSE);
        this.tenants = tenants;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
        this.primaries = new NodeCache<>(invalidations, "tenant-keys", FRESHNESS, 100_000, clock,
                tenant -> store.head(tenant).map(KeyStore.Head::primaryVersion));
        this.loaded = new NodeCache<>(invalidations, "tenant-keys", FRESHNESS, 20_000, clock,
                v -> store.version(v.tenant(), v.version()).filter(s -> s.wrappedKeyset() != null)
                        .map(s -> unwrap(v, s.wrappedKeyset())));
    }

    /**
     * Adds a kind of value Ward seals under these keys (session attributes, MFA secrets, …), at wiring: a
     * destruction refuses while any of it is still sealed under the version, and {@code keys rewrap} walks it.
     */
    public void register(Resealable kind) {
        sealedKinds.add(kind);
    }

    /** Every kind of value Ward seals under these keys, in the order registered. */
    public List<Resealable> sealedKinds() {
        return List.copyOf(sealedKinds);
    }

    // --- sealing ------------------------------------------------------------------------------------------

    /** Seals under the tenant's primary version (creating the tenant's first key on first use). */
    @Override
    public String seal(String tenant, String field, byte[] plaintext, byte[] context) {
        int version = primaryVersion(tenant);
        try {
            return new Ciphertext(version, key(tenant, version).envelope().encrypt(plaintext, aad(tenant, field, context))).text();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM sealing failed", e);
        }
    }

    /** @throws MasterKeyCipher.DecryptionException when malformed, tampered, bound to other data, or its version is gone */
    @Override
    public byte[] open(String tenant, String field, String sealed, byte[] context) {
        Ciphertext c = Ciphertext.parse(sealed).orElseThrow(() -> new MasterKeyCipher.DecryptionException("not a Ward ciphertext"));
        Loaded key = loaded.get(new VersionOf(tenant, c.version()))
                .orElseThrow(() -> new MasterKeyCipher.DecryptionException("key version unavailable"));
        try {
            return key.envelope().decrypt(c.envelope(), aad(tenant, field, context));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new MasterKeyCipher.DecryptionException("decryption failed");
        }
    }

    /**
     * The same value sealed under the tenant's primary version: only its data key is unsealed and sealed
     * again, so no plaintext exists in the process. Returns {@code sealed} itself when it is current already.
     *
     * @throws MasterKeyCipher.DecryptionException when malformed, tampered, another tenant's, or its version is gone
     */
    public String rewrap(String tenant, String sealed) {
        Ciphertext c = Ciphertext.parse(sealed).orElseThrow(() -> new MasterKeyCipher.DecryptionException("not a Ward ciphertext"));
        byte[] encryptedDek = c.encryptedDek().orElseThrow(() -> new MasterKeyCipher.DecryptionException("malformed ciphertext"));
        Loaded old = loaded.get(new VersionOf(tenant, c.version()))
                .orElseThrow(() -> new MasterKeyCipher.DecryptionException("key version unavailable"));
        int primary = primaryVersion(tenant);
        byte[] dek = null;
        try {
            // Unsealed even when current: that authenticates the key part and refuses another tenant's value.
            dek = old.kek().decrypt(encryptedDek, NO_ASSOCIATED_DATA);
            if (c.version() >= primary) {
                return sealed;
            }
            return c.withDek(primary, key(tenant, primary).kek().encrypt(dek, NO_ASSOCIATED_DATA)).text();
        } catch (GeneralSecurityException e) {
            throw new MasterKeyCipher.DecryptionException("decryption failed");
        } finally {
            if (dek != null) {
                Arrays.fill(dek, (byte) 0);
            }
        }
    }

    /** The version a tenant seals under now (as this node last saw it); creates version 1 on first use. */
    public int primaryVersion(String tenant) {
        Optional<Integer> version = primaries.get(tenant);
        if (version.isPresent()) {
            return version.get();
        }
        create(tenant, "system");
        return primaries.get(tenant).orElseThrow(() -> new IllegalStateException("tenant keys vanished after creation"));
    }

    /** The state of one version, e.g. to tell a destroyed key from a tampered value. */
    public Optional<KeyState> state(String tenant, int version) {
        Optional<KeyStore.Head> head = store.head(tenant);
        return store.version(tenant, version).map(s -> stateOf(s, head.map(KeyStore.Head::primaryVersion).orElse(0)));
    }

    /** The stored key versions that do not open under this node's master key, for {@link MasterKeyCheck}. */
    public List<String> versionsNotOpening() {
        List<String> failing = new java.util.ArrayList<>();
        for (KeyStore.Head head : store.heads()) {
            for (KeyStore.Stored s : store.versions(head.tenant())) {
                try {
                    if (s.wrappedKeyset() != null) {
                        unwrap(new VersionOf(head.tenant(), s.version()), s.wrappedKeyset());
                    }
                } catch (IllegalStateException e) {
                    failing.add("key version " + s.version() + " of tenant " + head.tenant());
                }
            }
        }
        return failing;
    }

    private Loaded key(String tenant, int version) {
        return loaded.get(new VersionOf(tenant, version))
                .orElseThrow(() -> new IllegalStateException("the primary key version of a tenant is unavailable"));
    }

    /**
     * Associated data of every value: tenant, field and context, each length-prefixed so no two different
     * triples encode alike.
     */
    private static byte[] aad(String tenant, String field, byte[] context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : List.of("ward-aad-v1".getBytes(StandardCharsets.UTF_8), tenant.getBytes(StandardCharsets.UTF_8),
                field.getBytes(StandardCharsets.UTF_8), context)) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(part.length).array());
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    // --- administration -----------------------------------------------------------------------------------

    /** The tenant's versions, newest first (empty before its first use of encryption). */
    public List<KeyVersion> list(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
        requireTenant(tenant);
        return versions(tenant);
    }

    /** Makes a new version the primary (or creates the first one); the older ones keep decrypting. */
    public List<KeyVersion> rotate(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
        requireTenant(tenant);
        rotateOnce(tenant, actor.auditName(), "on_demand");
        return versions(tenant);
    }

    /**
     * Erases a version's key material: every value sealed under it becomes unreadable, for good. Refused while
     * the version was the primary less than {@link #FRESHNESS} ago, and while values Ward itself keeps (the
     * registered {@link Resealable}s) are still sealed under it, unless {@code force}: those are then lost too.
     */
    public List<KeyVersion> destroy(Actor actor, String tenant, int version, boolean force) {
        guard.requireAdminOf(actor, tenant);
        requireTenant(tenant);
        KeyStore.Stored stored = store.version(tenant, version).orElseThrow(() ->
                ProblemException.notFound("key_version_not_found", "The tenant has no key version " + version + "."));
        if (stored.wrappedKeyset() == null) {
            return versions(tenant);
        }
        int primary = store.head(tenant).map(KeyStore.Head::primaryVersion).orElse(0);
        if (version == primary) {
            throw ProblemException.conflict("key_version_primary",
                    "Version " + version + " is the primary key; rotate first, rewrap, then destroy it.");
        }
        Instant now = clock.instant();
        requireLongDemoted(tenant, version, now);
        Map<String, Long> inUse = sealedUnder(tenant, version);
        if (!inUse.isEmpty() && !force) {
            throw new ProblemException(409, "key_in_use", "Key version in use", "Ward still keeps values sealed under version "
                    + version + " (" + describe(inUse) + "); run 'keys rewrap' first (they move to the primary), "
                    + "or destroy with force to make them unreadable too.", Map.of("in_use", inUse));
        }
        boolean destroyed = audit.atomically(() -> {
            if (!store.destroy(tenant, version, now)) {
                return false;
            }
            audit.append(AuditEntry.of(tenant, "key.destroyed").actor(actor).detail("version", version)
                    .detail("forced_over", inUse.isEmpty() ? null : inUse).build());
            return true;
        });
        if (destroyed) {
            primaries.changed();
        }
        return versions(tenant);
    }

    /**
     * A version stopped being the primary when its successor was created. Nodes that had not heard of that yet, and
     * requests in flight, may have sealed under it until then plus the cache lifetime.
     */
    private void requireLongDemoted(String tenant, int version, Instant now) {
        Instant demoted = store.version(tenant, version + 1).map(KeyStore.Stored::createdAt)
                .orElseThrow(() -> new IllegalStateException("key version " + (version + 1) + " of a tenant is missing"));
        Instant destroyable = demoted.plus(FRESHNESS);
        if (now.isBefore(destroyable)) {
            long seconds = (Duration.between(now, destroyable).toNanos() + 999_999_999) / 1_000_000_000;
            throw new ProblemException(409, "key_version_recently_primary", "Key version recently primary",
                    "Version " + version + " was the primary until " + demoted + "; values may still be sealed under it "
                            + "for a moment. It can be destroyed from " + destroyable + ".",
                    Map.of("destroyable_at", destroyable.toString(), "retry_after", seconds));
        }
    }

    /** How many values of each registered kind are sealed under the version; kinds with none are left out. */
    private Map<String, Long> sealedUnder(String tenant, int version) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Resealable kind : sealedKinds) {
            long n = kind.countUnder(tenant, version);
            if (n > 0) {
                counts.put(kind.kind(), n);
            }
        }
        return counts;
    }

    private String describe(Map<String, Long> inUse) {
        return sealedKinds.stream().filter(k -> inUse.containsKey(k.kind()))
                .map(k -> inUse.get(k.kind()) + " " + k.description()).collect(Collectors.joining(", "));
    }

    /** Rotates every tenant whose primary is older than its {@code keys.rotate_after_seconds}; returns how many. */
    public int rotateDue() {
        Instant now = clock.instant();
        int rotated = 0;
        try {
            for (KeyStore.Head head : store.heads()) {
                Duration period = tenants.cached(head.tenant()).map(t -> t.policy().keyRotation()).orElse(null);
                if (period != null && !now.isBefore(head.rotatedAt().plus(period)) && rotateFrom(head, "system", "scheduled")) {
                    rotated++;
                }
            }
        } finally {
            // One notice for the whole run: until it, other nodes seal under the previous versions, which stay
            // readable and cannot be destroyed for a while yet (requireLongDemoted).
            if (rotated > 0) {
                primaries.changed();
            }
        }
        return rotated;
    }

    private List<KeyVersion> versions(String tenant) {
        int primary = store.head(tenant).map(KeyStore.Head::primaryVersion).orElse(0);
        return store.versions(tenant).stream()
                .map(s -> new KeyVersion(s.version(), stateOf(s, primary), s.createdAt(), s.destroyedAt())).toList();
    }

    private static KeyState stateOf(KeyStore.Stored s, int primary) {
        return s.wrappedKeyset() == null ? KeyState.DESTROYED : s.version() == primary ? KeyState.PRIMARY : KeyState.ACTIVE;
    }

    private void rotateOnce(String tenant, String actor, String reason) {
        Optional<KeyStore.Head> head = store.head(tenant);
        if (head.isEmpty()) {
            create(tenant, actor);
        } else {
            // When another node rotated in between, its new primary is just as fresh: no second rotation.
            if (rotateFrom(head.get(), actor, reason)) {
                primaries.changed();
            }
        }
    }

    private boolean rotateFrom(KeyStore.Head head, String actor, String reason) {
        int next = head.primaryVersion() + 1;
        String wrapped = wrap(head.tenant(), next);
        return audit.atomically(() -> {
            if (!store.rotate(head.tenant(), head.primaryVersion(), wrapped, clock.instant())) {
                return false;
            }
            audit.append(AuditEntry.of(head.tenant(), "key.rotated").actor(actor).detail("version", next)
                    .detail("previous_version", head.primaryVersion()).detail("reason", reason).build());
            return true;
        });
    }

    private void create(String tenant, String actor) {
        String wrapped = wrap(tenant, 1);
        audit.atomically(() -> {
            if (store.create(tenant, wrapped, clock.instant())) {
                audit.append(AuditEntry.of(tenant, "key.created").actor(actor).detail("version", 1).build());
            }
        });
    }

    private void requireTenant(String tenant) {
        if (tenants.find(tenant).isEmpty()) {
            throw ProblemException.notFound("tenant_not_found", "No such tenant.");
        }
    }

    /** A new AES-256-GCM keyset, serialized encrypted under the master key and bound to its tenant and version. */
    private String wrap(String tenant, int version) {
        try {
            KeysetHandle keyset = KeysetHandle.generateNew(AES256_GCM);
            return Base64.getEncoder().encodeToString(
                    TinkProtoKeysetFormat.serializeEncryptedKeyset(keyset, wrapping, wrappingAad(tenant, version)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a tenant key", e);
        }
    }

    private Loaded unwrap(VersionOf v, String wrapped) {
        try {
            KeysetHandle keyset = TinkProtoKeysetFormat.parseEncryptedKeyset(Base64.getDecoder().decode(wrapped), wrapping,
                    wrappingAad(v.tenant(), v.version()));
            Aead kek = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
            return new Loaded(kek, KmsEnvelopeAead.create(AES256_GCM, kek));
        } catch (GeneralSecurityException e) {
            // A wrong master key or a keyset row moved to another tenant or version; no detail, no key material.
            throw new IllegalStateException("cannot unwrap key version " + v.version() + " of tenant " + v.tenant()
                    + " (wrong master key?)");
        }
    }

    private static byte[] wrappingAad(String tenant, int version) {
        return ("ward-keyset\u0000" + tenant + "\u0000" + version).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() { return "TenantKeys[<redacted>]"; }
}
