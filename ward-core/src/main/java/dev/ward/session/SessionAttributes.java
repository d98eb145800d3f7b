package dev.ward.session;

import dev.ward.crypto.Ciphertext;
import dev.ward.crypto.Resealable;
import dev.ward.crypto.TenantCipher;
import dev.ward.problem.ProblemException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Small JSON values kept with a session, encrypted with the tenant's key and bound (associated data)
 * to tenant, session and name, so a value copied to another session or name does not open. They die
 * with the session. The caller hands in already-validated JSON text; this class never parses it. As a
 * {@link Resealable}, a key rewrap moves them onto the tenant's primary key version.
 */
public final class SessionAttributes implements Resealable {
    public static final int MAX_VALUE_BYTES = 8 * 1024;
    public static final int MAX_PER_SESSION = 64;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final String FIELD = "session-attributes";

    private final AttributeStore store;
    private final TenantCipher cipher;
    private final Clock clock;

    public SessionAttributes(AttributeStore store, TenantCipher cipher, Clock clock) {
        this.store = store;
        this.cipher = cipher;
        this.clock = clock;
    }

    public Optional<String> get(Session s, String name) {
        checkName(name);
        return store.get(s.id(), name)
                .map(sealed -> new String(cipher.open(s.tenant(), FIELD, sealed, aad(s, name)), StandardCharsets.UTF_8));
    }

    public void put(Session s, String name, String json) {
        checkName(name);
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        if (value.length > MAX_VALUE_BYTES) {
            throw new ProblemException(413, "attribute_too_large", "Attribute too large",
                    "Attribute values are limited to " + MAX_VALUE_BYTES + " bytes of JSON.");
        }
        if (!store.put(s.id(), name, cipher.seal(s.tenant(), FIELD, value, aad(s, name)), clock.instant(), MAX_PER_SESSION)) {
            throw ProblemException.conflict("too_many_attributes",
                    "A session holds at most " + MAX_PER_SESSION + " attributes; delete one first.");
        }
    }

    public boolean delete(Session s, String name) {
        checkName(name);
        return store.delete(s.id(), name);
    }

    private static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw ProblemException.validation("key", "attribute keys are 1-128 characters of A-Z, a-z, 0-9 and . _ : -");
        }
    }

    private static byte[] aad(Session s, String name) {
        return (s.tenant() + "\u0000" + s.id() + "\u0000" + name).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String description() { return "session attributes"; }

    @Override
    public String kind() { return "session_attributes"; }

    @Override
    public long count(String tenant) { return store.countOfTenant(tenant); }

    @Override
    public long countUnder(String tenant, int version) { return store.countOfTenantStartingWith(tenant, Ciphertext.prefix(version)); }

    /** Positions are {@code <session id>/<name>}; neither contains a slash. */
    @Override
    public List<Sealed> page(String tenant, Optional<String> after, int limit) {
        String[] from = after.map(p -> p.split("/", 2)).orElse(new String[] {"", ""});
        return store.pageOfTenant(tenant, from[0], from[1], limit).stream()
                .map(a -> new Sealed(a.sessionId() + "/" + a.name(), a.sealed())).toList();
    }

    @Override
    public boolean replace(String tenant, Sealed sealed, String resealed) {
        String[] at = sealed.position().split("/", 2);
        return store.replaceIfUnchanged(at[0], at[1], sealed.value(), resealed);
    }
}
