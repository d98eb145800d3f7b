package dev.ward.user;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** User-scope attributes as sealed strings, in the database (they outlive sessions, so never in Redis). */
public interface UserAttributeStore {
    /** One stored attribute, as a key rewrap walks them. */
    record Stored(String userId, String name, String sealed) {
        @Override public String toString() { return "Stored[" + userId + "/" + name + "]"; }
    }

    Optional<String> get(String tenant, String userId, String name);

    /** Inserts or replaces; refuses (false) a new name when the user already has {@code maxCount} attributes. */
    boolean put(String tenant, String userId, String name, String sealed, Instant now, int maxCount);

    boolean delete(String tenant, String userId, String name);

    long countOfTenant(String tenant);

    long countOfTenantStartingWith(String tenant, String sealedPrefix);

    /** Up to {@code limit} of the tenant's attributes strictly after ({@code afterUser}, {@code afterName}), in that order. */
    List<Stored> pageOfTenant(String tenant, String afterUser, String afterName, int limit);

    boolean replaceIfUnchanged(String tenant, String userId, String name, String expectedSealed, String newSealed);
}
