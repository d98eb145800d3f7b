package dev.ward.auth;

import java.util.List;

public interface LoginAttemptStore {
    void append(LoginAttempt attempt);

    /** Newest first; null tenant or username means any. */
    List<LoginAttempt> recent(String tenant, String username, int limit);
}
