package dev.ward.user;

import java.util.List;
import java.util.Optional;

public interface UserStore {
    /** Inserts; false when the username is taken in that tenant. */
    boolean insert(User user);

    Optional<User> find(String tenant, String id);

    Optional<User> findByUsername(String tenant, String username);

    List<User> list(String tenant);

    boolean setDisabled(String tenant, String id, boolean disabled);

    boolean setRoles(String tenant, String id, List<String> roles);

    void setPasswordHash(String tenant, String id, String passwordHash);
}
