package dev.ward.crypto;

import java.time.Instant;

/** One version of a tenant's key as administrators see it (never the key itself). */
public record KeyVersion(int version, KeyState state, Instant createdAt, Instant destroyedAt) {}
