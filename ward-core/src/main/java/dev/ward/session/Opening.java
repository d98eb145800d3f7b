package dev.ward.session;

/** Opening a session either succeeds or meets the user's concurrent-session limit. */
public sealed interface Opening {
    record Opened(IssuedSession issued) implements Opening {}

    record LimitReached(int limit) implements Opening {}
}
