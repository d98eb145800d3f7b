package dev.ward.session;

import java.time.Instant;
import java.util.Optional;

/** Session attributes as sealed (encrypted) strings; they are deleted with their session. */
public interface AttributeStore {
    Optional<String> get(String sessionId, String name);

    /** Inserts or replaces; refuses (false) a new name when the session already has {@code maxCount} attributes. */
    boolean put(String sessionId, String name, String sealed, Instant now, int maxCount);

    boolean delete(String sessionId, String name);
}
