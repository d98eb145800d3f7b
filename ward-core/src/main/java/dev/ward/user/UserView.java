package dev.ward.user;

import java.time.Instant;

/** A user as administrators see it: no hash, with the derived status. */
public record UserView(User user, UserStatus status, Instant lockedUntil) {
}
