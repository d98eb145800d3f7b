package dev.ward.audit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where checkpoint signing keys are kept ({@code audit_signing_keys}). Keys are never deleted: old checkpoints need them. */
public interface CheckpointKeyStore {
    /** Every key, newest first. */
    List<CheckpointKey> all();

    Optional<CheckpointKey> find(String kid);

    void insert(CheckpointKey key);

    /** Retires every key but {@code kid} that is not retired yet. */
    void retireAllExcept(String kid, Instant at);
}
