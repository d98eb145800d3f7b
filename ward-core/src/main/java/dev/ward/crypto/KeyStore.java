package dev.ward.crypto;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Tenant key versions, each a Tink keyset wrapped (encrypted) by the master key. The primary version only
 * ever moves up, by compare-and-set, so nodes rotating at once agree on one new version.
 */
public interface KeyStore {
    /** Which version of a tenant encrypts, and since when. */
    record Head(String tenant, int primaryVersion, Instant rotatedAt) {}

    /** A stored version; {@code wrappedKeyset} is null once destroyed. */
    record Stored(int version, String wrappedKeyset, Instant createdAt, Instant destroyedAt) {
        @Override public String toString() { return "Stored[v" + version + (wrappedKeyset == null ? ", destroyed]" : "]"); }
    }

    Optional<Head> head(String tenant);

    /** Every tenant that has keys, for the rotation schedule. */
    List<Head> heads();

    /** The tenant's versions, newest first. */
    List<Stored> versions(String tenant);

    Optional<Stored> version(String tenant, int version);

    /** Stores version 1 as the primary; false when the tenant has keys already. */
    boolean create(String tenant, String wrappedKeyset, Instant now);

    /**
     * Adds version {@code expectedPrimary + 1} and makes it the primary, if {@code expectedPrimary} still is;
     * false (nothing written) when another rotation came first.
     */
    boolean rotate(String tenant, int expectedPrimary, String wrappedKeyset, Instant now);

    /** Erases a version's key material; false when it is the primary, unknown, or destroyed already. */
    boolean destroy(String tenant, int version, Instant now);
}
