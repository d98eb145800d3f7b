package dev.ward.tenant;

import java.util.List;
import java.util.Optional;

public interface TenantStore {
    /** Inserts; false when a tenant with that id exists already. */
    boolean insert(Tenant tenant);

    Optional<Tenant> find(String id);

    List<Tenant> list();

    /** Replaces the policy only if the stored version is still {@code expectedVersion} (optimistic lock). */
    boolean updatePolicy(String id, Policy policy, long expectedVersion);
}
