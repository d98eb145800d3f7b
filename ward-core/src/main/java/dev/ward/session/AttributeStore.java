package dev.ward.session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Session attributes as sealed (encrypted) strings; they are deleted with their session. */
public interface AttributeStore {
    /** One stored attribute, as a key rewrap walks them. */
    record Stored(String sessionId, String name, String sealed) {
        @Override public String toString() { return "Stored[" + sessionId + "/" + name + "]"; }
    }

    Optional<String> get(String sessionId, String name);

    /** Inserts or replaces; refuses (false) a new name when the session already has {@code maxCount} attributes. */
    boolean put(String sessionId, String name, String sealed, Instant now, int maxCount);

    boolean delete(String sessionId, String name);

    /** How many attributes the sessions of a tenant hold (live or ended, until cleanup removes them). */
    long countOfTenant(String tenant);

    /** How many of those attributes have a sealed value that starts with {@code sealedPrefix}. */
    long countOfTenantStartingWith(String tenant, String sealedPrefix);

    /**
     * Up to {@code limit} attributes of the tenant's sessions, ordered by session id then name, strictly after
     * ({@code afterSessionId}, {@code afterName}); pass two empty strings to start from the beginning.
     */
    List<Stored> pageOfTenant(String tenant, String afterSessionId, String afterName, int limit);

    /**
     * Replaces the sealed value only if it still is {@code expectedSealed} (compare-and-set), keeping its
     * update time; false when it changed or is gone.
     */
    boolean replaceIfUnchanged(String sessionId, String name, String expectedSealed, String newSealed);
}
