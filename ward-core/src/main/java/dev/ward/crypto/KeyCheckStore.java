package dev.ward.crypto;

import java.time.Instant;
import java.util.Optional;

/** Where a database keeps the check value of the master key its data is sealed under. */
public interface KeyCheckStore {
    Optional<String> checkValue();

    /** Stores the value unless one is stored already; false then, with nothing written. */
    boolean insert(String checkValue, Instant at);
}
