package dev.ward.access;

import java.util.Set;

/**
 * Who is asking. Every service method that reads or changes tenant data takes an Actor and
 * checks it there, so tenant boundaries hold whatever the entry point (HTTP, CLI, tests).
 */
public sealed interface Actor {
    String SYSTEM_TENANT = "system";
    String ADMIN_ROLE = "admin";

    /** The tenant the actor belongs to. */
    String tenant();

    /** Short, non-secret description for the audit trail, e.g. {@code user:usr_…}. */
    String auditName();

    /** May administer the given tenant (system admins administer all). */
    boolean isAdminOf(String tenant);

    default boolean isSystemAdmin() { return isAdminOf(SYSTEM_TENANT) && SYSTEM_TENANT.equals(tenant()); }

    /** An end user acting through a session. */
    record User(String tenant, String userId, String username, Set<String> roles, String sessionId) implements Actor {
        public User { roles = Set.copyOf(roles); }
        @Override public String auditName() { return "user:" + userId; }
        @Override public boolean isAdminOf(String t) {
            return roles.contains(ADMIN_ROLE) && (tenant.equals(t) || SYSTEM_TENANT.equals(tenant));
        }
    }

    /** An application back-end acting through an API key. */
    record ApiKey(String tenant, String keyId, Set<Scope> scopes) implements Actor {
        public ApiKey { scopes = Set.copyOf(scopes); }
        @Override public String auditName() { return "api_key:" + keyId; }
        @Override public boolean isAdminOf(String t) {
            return scopes.contains(Scope.ADMIN) && (tenant.equals(t) || SYSTEM_TENANT.equals(tenant));
        }
        public boolean has(Scope s) { return scopes.contains(s); }
    }

    /**
     * Ward's own automatic response to an alert ({@code detect.response}): named {@code detector:alr_…} in the trail so
     * that every change it makes points at the alert that caused it. Administers nothing.
     */
    record Detector(String tenant, String alertId) implements Actor {
        @Override public String auditName() { return "detector:" + alertId; }
        @Override public boolean isAdminOf(String t) { return false; }
    }

    /** The local operator: CLI commands and bootstrap, run by whoever holds the data directory or database. */
    record Operator() implements Actor {
        @Override public String tenant() { return SYSTEM_TENANT; }
        @Override public String auditName() { return "operator"; }
        @Override public boolean isAdminOf(String t) { return true; }
    }
}
