package dev.ward.audit;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Ed25519 keys that sign audit checkpoints (JDK's Ed25519): the private half sealed under the master key (purpose
 * {@value #PURPOSE}, the key id as associated data), created on first use and rotated by a system administrator like
 * the JWT key. Retired keys are kept and published: they verify the checkpoints they signed.
 *
 * <p>A public key is trusted only when its row's sealed private half opens under this node's master key and names the
 * same public key: someone with write access to the database alone cannot slip in a key of their own.
 */
public final class CheckpointKeys {
    static final String PURPOSE = "audit-checkpoint-keys";
    private static final Duration RELOAD = Duration.ofSeconds(15);
    /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 raw key bytes follow. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final HexFormat HEX = HexFormat.of();

    private record Active(String kid, PrivateKey key, Instant loadedAt) {}

    private final CheckpointKeyStore store;
    private final MasterKeyCipher cipher;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;
    private volatile Active active;

    public CheckpointKeys(CheckpointKeyStore store, MasterKeyCipher cipher, AdminGuard guard, AuditTrail audit, Clock clock) {
        this.store = store;
        this.cipher = cipher;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** A signature over {@code bytes} with the current key: its key id and the signature in lowercase hex. */
    public record Signed(String keyId, String signature) {}

    public Signed sign(byte[] bytes) {
        Active key = active(clock.instant());
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key.key());
            s.update(bytes);
            return new Signed(key.kid(), HEX.formatHex(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** Loads (or first creates) the current key ahead of a transaction that signs with it. */
    public void prepare() {
        active(clock.instant());
    }

    /** Since when the key that signs new checkpoints has signed them; empty before the first checkpoint (no key yet). */
    public Optional<Instant> activeKeySince() {
        return store.all().stream().filter(k -> k.retiredAt() == null).map(CheckpointKey::createdAt).findFirst();
    }

    /** Starts signing with a new key; the old ones stay to verify what they signed. System administrators only. */
    public String rotate(Actor actor) {
        guard.requireSystemAdmin(actor);
        Instant now = clock.instant();
        String kid = audit.atomically(() -> {
            String created = create(now, actor.auditName());
            store.retireAllExcept(created, now);
            audit.append(AuditEntry.of(Actor.SYSTEM_TENANT, "audit.key_rotated").actor(actor).detail("key_id", created).build());
            return created;
        });
        active = null;
        return kid;
    }

    /**
     * Every key, newest first, as an outside verifier needs it: id, public key as a JWK ({@code OKP}/{@code Ed25519})
     * and as PEM (for openssl), when it was created and retired.
     */
    public List<Map<String, Object>> publicKeys() {
        return store.all().stream().map(k -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("key_id", k.kid());
            out.put("algorithm", "Ed25519");
            byte[] raw = publicBytes(k.publicJwk());
            out.put("public_key_pem", pem(raw));
            out.put("jwk", Map.of("kty", "OKP", "crv", "Ed25519", "kid", k.kid(), "x", Base64URL.encode(raw).toString()));
            out.put("created_at", Checkpoint.time(k.createdAt()));
            out.put("retired_at", k.retiredAt() == null ? null : Checkpoint.time(k.retiredAt()));
            return out;
        }).toList();
    }

    /**
     * The public key {@code kid} names, if Ward made it: its sealed private half opens under the master key and holds
     * the same public key. Empty for an unknown key or one that does not open (a row someone wrote in the database).
     */
    public Optional<PublicKey> trusted(String kid) {
        Optional<CheckpointKey> row = store.find(kid);
        if (row.isEmpty()) {
            return Optional.empty();
        }
        byte[] stated = publicBytes(row.get().publicJwk());
        try {
            byte[] sealed = cipher.open(PURPOSE, row.get().sealedPrivateJwk(), kid.getBytes(StandardCharsets.UTF_8));
            OctetKeyPair pair = OctetKeyPair.parse(new String(sealed, StandardCharsets.UTF_8));
            if (!kid.equals(pair.getKeyID()) || !Arrays.equals(pair.getDecodedX(), stated)) {
                return Optional.empty();
            }
        } catch (MasterKeyCipher.DecryptionException | ParseException e) {
            return Optional.empty();
        }
        return Optional.of(publicKey(stated));
    }

    /** The stored checkpoint keys that do not open under this node's master key, for {@code MasterKeyCheck}. */
    public List<String> keysNotOpening() {
        return store.all().stream().filter(k -> {
            try {
                cipher.open(PURPOSE, k.sealedPrivateJwk(), k.kid().getBytes(StandardCharsets.UTF_8));
                return false;
            } catch (MasterKeyCipher.DecryptionException e) {
                return true;
            }
        }).map(k -> "audit checkpoint key " + k.kid()).toList();
    }

    /** Whether {@code signatureHex} is {@code key}'s Ed25519 signature over {@code bytes}. */
    public static boolean verifies(PublicKey key, byte[] bytes, String signatureHex) {
        byte[] signature;
        try {
            signature = HEX.parseHex(signatureHex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (signature.length != 64) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(bytes);
            return s.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 verification is part of every JVM", e);
        }
    }

    /** An Ed25519 public key from its 32 raw bytes. */
    public static PublicKey publicKey(byte[] raw) {
        byte[] der = new byte[X509_PREFIX.length + raw.length];
        System.arraycopy(X509_PREFIX, 0, der, 0, X509_PREFIX.length);
        System.arraycopy(raw, 0, der, X509_PREFIX.length, raw.length);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored checkpoint public key is corrupt", e);
        }
    }

    /** PEM ({@code -----BEGIN PUBLIC KEY-----}) of a raw Ed25519 public key, as openssl reads it. */
    static String pem(byte[] raw) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getEncoder().encodeToString(publicKey(raw).getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    private static byte[] publicBytes(String publicJwk) {
        try {
            return OctetKeyPair.parse(publicJwk).getDecodedX();
        } catch (ParseException e) {
            throw new IllegalStateException("a stored checkpoint public key is corrupt", e);
        }
    }

    private Active active(Instant now) {
        Active a = active;
        if (a != null && now.isBefore(a.loadedAt().plus(RELOAD)) && !now.isBefore(a.loadedAt())) {
            return a;
        }
        synchronized (this) {
            CheckpointKey newest = store.all().stream().filter(k -> k.retiredAt() == null).findFirst().orElse(null);
            if (newest == null) {
                create(now, "system");
                newest = store.all().stream().filter(k -> k.retiredAt() == null).findFirst().orElseThrow();
            }
            try {
                byte[] json = cipher.open(PURPOSE, newest.sealedPrivateJwk(), newest.kid().getBytes(StandardCharsets.UTF_8));
                OctetKeyPair pair = OctetKeyPair.parse(new String(json, StandardCharsets.UTF_8));
                PrivateKey key = KeyFactory.getInstance("Ed25519")
                        .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, pair.getDecodedD()));
                active = new Active(newest.kid(), key, now);
            } catch (ParseException | GeneralSecurityException e) {
                throw new IllegalStateException("stored checkpoint key " + newest.kid() + " cannot be used", e);
            }
            return active;
        }
    }

    private String create(Instant now, String by) {
        String kid = Secrets.newId("ack_");
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of every JVM", e);
        }
        byte[] x509 = pair.getPublic().getEncoded();
        byte[] x = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
        byte[] d = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
        OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(d)).keyID(kid).build();
        Arrays.fill(d, (byte) 0);
        String sealed = cipher.seal(PURPOSE, jwk.toJSONString().getBytes(StandardCharsets.UTF_8), kid.getBytes(StandardCharsets.UTF_8));
        audit.atomically(() -> {
            store.insert(new CheckpointKey(kid, jwk.toPublicJWK().toJSONString(), sealed, now, null));
            audit.append(AuditEntry.of(Actor.SYSTEM_TENANT, "audit.key_created").actor(by).detail("key_id", kid).build());
        });
        return kid;
    }
}
