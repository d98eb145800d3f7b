package dev.ward.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.Secrets;
import dev.ward.session.Session;
import dev.ward.tenant.TenantService;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Short-lived EdDSA (Ed25519) JWTs that let downstream services trust a session without calling Ward
 * (seed 002), and the JWKS that verifies them. Keys persist (private part sealed under the master key),
 * survive restarts, and rotate; a retired key stays in the JWKS until every token it signed has expired.
 */
public final class SessionJwt {
    public static final Duration LIFETIME = Duration.ofSeconds(300);
    /** Clock skew allowed to verifiers when a retired key leaves the JWKS. */
    private static final Duration SKEW = Duration.ofSeconds(60);
    private static final Duration RELOAD = Duration.ofSeconds(15);
    private static final String PURPOSE = "signing-keys";

    public record Issued(String token, long expiresInSeconds) {
        @Override public String toString() { return "Issued[<redacted>]"; }
    }

    private record Active(String kid, Ed25519Signer signer, Instant loadedAt) {}

    private final SigningKeyStore store;
    private final MasterKeyCipher cipher;
    private final TenantService tenants;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;
    private volatile Active active;

    public SessionJwt(SigningKeyStore store, MasterKeyCipher cipher, TenantService tenants, AdminGuard guard,
                      AuditTrail audit, Clock clock) {
        this.store = store;
        this.cipher = cipher;
        this.tenants = tenants;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** The stored signing keys that do not open under this node's master key, for {@code MasterKeyCheck}. */
    public List<String> keysNotOpening() {
        return store.all().stream().filter(k -> {
            try {
                cipher.open(PURPOSE, k.sealedPrivateJwk(), k.kid().getBytes(StandardCharsets.UTF_8));
                return false;
            } catch (MasterKeyCipher.DecryptionException e) {
                return true;
            }
        }).map(k -> "JWT signing key " + k.kid()).toList();
    }

    /**
     * A JWT for the session. {@code issuer} is Ward's public URL ({@code iss}); the audience ({@code aud}) is the
     * tenant's {@code jwt.audience}, its id by default, so a resource server that checks {@code aud} (as it should)
     * never accepts another tenant's token although one key signs for all; {@code jti} is unique per token.
     */
    public Issued issue(Session s, String issuer) {
        Instant now = clock.instant();
        Active key = active(now);
        var tenant = tenants.cached(s.tenant()).orElseThrow();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(tenant.policy().jwtAudience(s.tenant()))
                .jwtID(Secrets.newId("jti_"))
                .claim("sid", s.id())
                .subject(s.userId())
                .claim("tenant", s.tenant())
                .claim("roles", s.roles())
                // module → actions, the union over the roles (policy permissions), as the session object carries it
                .claim("perm", tenant.policy().permissions().of(s.roles()))
                .claim("aal", s.aal())
                .claim("pv", tenant.policyVersion())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.kid()).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("JWT signing failed", e);
        }
        // A bearer credential was handed out: recorded (by its id, never the token) before it is.
        audit.append(AuditEntry.of(s.tenant(), "session.jwt_issued").user(s.userId()).session(s.id())
                .detail("jti", claims.getJWTID()).detail("kid", key.kid()).detail("audience", claims.getAudience().getFirst()).build());
        return new Issued(jwt.serialize(), LIFETIME.toSeconds());
    }

    /** The public keys a verifier may meet: the active one and those retired less than a token lifetime ago. */
    public Map<String, Object> jwks() {
        active(clock.instant());
        Instant horizon = clock.instant().minus(LIFETIME).minus(SKEW);
        List<JWK> keys = new ArrayList<>();
        for (SigningKey k : store.all()) {
            if (k.retiredAt() == null || k.retiredAt().isAfter(horizon)) {
                try {
                    keys.add(JWK.parse(k.publicJwk()));
                } catch (ParseException e) {
                    throw new IllegalStateException("stored public JWK " + k.kid() + " is corrupt", e);
                }
            }
        }
        return new JWKSet(keys).toJSONObject(true);
    }

    /** Since when the key that signs new tokens has signed them; empty before the first token (no key yet). */
    public Optional<Instant> activeKeySince() {
        return store.all().stream().filter(k -> k.retiredAt() == null).map(SigningKey::createdAt).findFirst();
    }

    /** Starts signing with a new key; system administrators only. */
    public String rotate(Actor actor) {
        guard.requireSystemAdmin(actor);
        Instant now = clock.instant();
        String kid = audit.atomically(() -> {
            String created = create(now);
            store.retireAllExcept(created, now);
            audit.append(AuditEntry.of(Actor.SYSTEM_TENANT, "signing_key.rotated").actor(actor).detail("kid", created).build());
            return created;
        });
        active = null;
        return kid;
    }

    private Active active(Instant now) {
        Active a = active;
        if (a != null && now.isBefore(a.loadedAt().plus(RELOAD)) && !now.isBefore(a.loadedAt())) {
            return a;
        }
        synchronized (this) {
            SigningKey newest = store.all().stream().filter(k -> k.retiredAt() == null).findFirst().orElse(null);
            if (newest == null) {
                create(now);
                newest = store.all().stream().filter(k -> k.retiredAt() == null).findFirst().orElseThrow();
            }
            try {
                byte[] json = cipher.open(PURPOSE, newest.sealedPrivateJwk(), newest.kid().getBytes(StandardCharsets.UTF_8));
                OctetKeyPair pair = OctetKeyPair.parse(new String(json, StandardCharsets.UTF_8));
                active = new Active(newest.kid(), new Ed25519Signer(pair), now);
            } catch (ParseException | JOSEException e) {
                throw new IllegalStateException("stored signing key " + newest.kid() + " cannot be used", e);
            }
            return active;
        }
    }

    private String create(Instant now) {
        String kid = Secrets.newId("jwk_");
        OctetKeyPair pair;
        try {
            pair = new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("Ed25519 key generation failed", e);
        }
        String sealed = cipher.seal(PURPOSE, pair.toJSONString().getBytes(StandardCharsets.UTF_8), kid.getBytes(StandardCharsets.UTF_8));
        audit.atomically(() -> {
            store.insert(new SigningKey(kid, pair.toPublicJWK().toJSONString(), sealed, now, null));
            audit.append(AuditEntry.of(Actor.SYSTEM_TENANT, "signing_key.created").actor("system").detail("kid", kid).build());
        });
        return kid;
    }
}
