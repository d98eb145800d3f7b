package dev.ward.tenant;

import java.time.Instant;

/** A hospital or organisation. Everything in Ward belongs to exactly one tenant. */
public record Tenant(String id, String name, Policy policy, long policyVersion, Instant createdAt) {
}
