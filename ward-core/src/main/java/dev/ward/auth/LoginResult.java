package dev.ward.auth;

import dev.ward.session.IssuedSession;
import dev.ward.user.User;
import java.time.Duration;

/** Every way a login can end; callers must handle each. */
public sealed interface LoginResult {
    record Authenticated(IssuedSession issued, User user) implements LoginResult {}

    /** Unknown tenant or user, wrong password, disabled or locked: one answer to the caller, the reason only in history. */
    record Rejected(String reason) implements LoginResult {}

    record RateLimited(Duration retryAfter) implements LoginResult {}

    /** Right password, but the user has reached the concurrent-session limit under policy {@code reject}. */
    record SessionLimitReached(int limit) implements LoginResult {}
}
