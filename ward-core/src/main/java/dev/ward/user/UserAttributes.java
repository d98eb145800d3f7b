package dev.ward.user;

import dev.ward.crypto.Ciphertext;
import dev.ward.crypto.Resealable;
import dev.ward.crypto.TenantCipher;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * User-scope attributes (API.md {@code /v1/me/attributes/{key}}, seed 004's per-user cache): small JSON values that
 * survive the user's sessions, sealed under the tenant's key and bound (associated data) to tenant, user and name, so
 * a value copied to another user, tenant or name does not open. Only the user's own session reaches them (the
 * service takes the session, never a user id from the request). Capped in size and count; destroying the tenant's
 * key version shreds them, and a rewrap moves them (a {@link Resealable}).
 */
public final class UserAttributes implements Resealable {
    public static final int MAX_VALUE_BYTES = 8 * 1024;
    public static final int MAX_PER_USER = 64;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final String FIELD = "user-attributes";

    private final UserAttributeStore store;
    private final TenantCipher cipher;
    private final Clock clock;

    public UserAttributes(UserAttributeStore store, TenantCipher cipher, Clock clock) {
        this.store = store;
        this.cipher = cipher;
        this.clock = clock;
    }

    public Optional<String> get(Session s, String name) {
        checkName(name);
        return store.get(s.tenant(), s.userId(), name).map(sealed ->
                new String(cipher.open(s.tenant(), FIELD, sealed, aad(s.tenant(), s.userId(), name)), StandardCharsets.UTF_8));
    }

    public void put(Session s, String name, String json) {
        checkName(name);
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        if (value.length > MAX_VALUE_BYTES) {
            throw new ProblemException(413, "attribute_too_large", "Attribute too large",
                    "Attribute values are limited to " + MAX_VALUE_BYTES + " bytes of JSON.");
        }
        String sealed = cipher.seal(s.tenant(), FIELD, value, aad(s.tenant(), s.userId(), name));
        if (!store.put(s.tenant(), s.userId(), name, sealed, clock.instant(), MAX_PER_USER)) {
            throw ProblemException.conflict("too_many_attributes",
                    "A user holds at most " + MAX_PER_USER + " attributes; delete one first.");
        }
    }

    public boolean delete(Session s, String name) {
        checkName(name);
        return store.delete(s.tenant(), s.userId(), name);
    }

    private static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw ProblemException.validation("key", "attribute keys are 1-128 characters of A-Z, a-z, 0-9 and . _ : -");
        }
    }

    private static byte[] aad(String tenant, String userId, String name) {
        return ("user\u0000" + tenant + "\u0000" + userId + "\u0000" + name).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String description() { return "user attributes"; }

    @Override
    public String kind() { return "user_attributes"; }

    @Override
    public long count(String tenant) { return store.countOfTenant(tenant); }

    @Override
    public long countUnder(String tenant, int version) { return store.countOfTenantStartingWith(tenant, Ciphertext.prefix(version)); }

    /** Positions are {@code <user id>/<name>}; neither contains a slash. */
    @Override
    public List<Sealed> page(String tenant, Optional<String> after, int limit) {
        String[] from = after.map(p -> p.split("/", 2)).orElse(new String[] {"", ""});
        return store.pageOfTenant(tenant, from[0], from[1], limit).stream()
                .map(a -> new Sealed(a.userId() + "/" + a.name(), a.sealed())).toList();
    }

    @Override
    public boolean replace(String tenant, Sealed sealed, String resealed) {
        String[] at = sealed.position().split("/", 2);
        return store.replaceIfUnchanged(tenant, at[0], at[1], sealed.value(), resealed);
    }
}
