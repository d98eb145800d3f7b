package dev.ward.crypto;

import java.util.List;
import java.util.Optional;

/**
 * A kind of data Ward itself seals for tenants (session attributes, MFA secrets, …), as {@link KeyRewrap}
 * walks it to move every value onto the tenant's primary key version, and as {@link TenantKeys#destroy} counts it
 * before erasing a version. Values are visited in a stable order of their {@code position}; a walk can stop
 * anywhere and start again.
 */
public interface Resealable {
    /** One stored value: where it is (opaque, ordered) and its sealed form. */
    record Sealed(String position, String value) {
        @Override public String toString() { return "Sealed[" + position + "]"; }
    }

    /** What the data is, for people: {@code session attributes}. */
    String description();

    /** What the data is, for programs ({@code key_in_use} answers): {@code session_attributes}. */
    String kind();

    /** How many values the tenant has (for progress). */
    long count(String tenant);

    /** How many of the tenant's values are sealed under key {@code version} (their text starts with {@link Ciphertext#prefix}). */
    long countUnder(String tenant, int version);

    /** Up to {@code limit} of the tenant's values after {@code after} (all from the start when empty), in position order. */
    List<Sealed> page(String tenant, Optional<String> after, int limit);

    /**
     * Replaces the value at {@code sealed.position()} by {@code resealed} only if it still is {@code sealed.value()}
     * (compare-and-set); false when it changed or vanished meanwhile.
     */
    boolean replace(String tenant, Sealed sealed, String resealed);
}
