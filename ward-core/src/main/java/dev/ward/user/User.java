package dev.ward.user;

import java.time.Instant;
import java.util.List;

/** An account inside one tenant. {@code passwordHash} is an Argon2id PHC string and never printed. */
public record User(String tenant, String id, String username, String passwordHash, List<String> roles,
                   boolean disabled, boolean mfaEnabled, Instant createdAt) {
    public User {
        roles = List.copyOf(roles);
    }

    public User withPasswordHash(String hash) {
        return new User(tenant, id, username, hash, roles, disabled, mfaEnabled, createdAt);
    }

    @Override
    public String toString() {
        return "User[tenant=" + tenant + ", id=" + id + ", roles=" + roles + ", disabled=" + disabled + "]";
    }
}
