package dev.ward.session;

import java.util.List;

/** The store's answer to a new session under the user's concurrent-session limit. */
public sealed interface Admission {
    /** Stored; {@code evicted} are the oldest live sessions revoked to make room (policy evict_oldest). */
    record Admitted(List<Session> evicted) implements Admission {}

    /** Refused: the user already has {@code limit} live sessions (policy reject). */
    record LimitReached(int limit) implements Admission {}
}
