package dev.ward.apikey;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

public interface ApiKeyStore {
    void insert(ApiKey key);

    Optional<ApiKey> findByHash(String keyHash);

    List<ApiKey> list(String tenant);

    boolean revoke(String tenant, String id, Instant at);
}
