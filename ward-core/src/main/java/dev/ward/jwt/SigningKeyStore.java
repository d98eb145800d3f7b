package dev.ward.jwt;

import java.time.Instant;
import java.util.List;

public interface SigningKeyStore {
    /** Every key, newest first. */
    List<SigningKey> all();

    void insert(SigningKey key);

    /** Retires every key but {@code kid} that is not retired yet. */
    void retireAllExcept(String kid, Instant at);
}
