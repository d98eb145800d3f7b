package dev.ward.client;

/**
 * A role × module permission a request needs ({@code "require": {"module", "action"}} on validation): the tenant's
 * policy {@code permissions} grants actions on modules to roles, and an action {@code "*"} grants them all.
 */
public record Require(String module, String action) {
    public Require {
        if (module == null || module.isBlank() || action == null || action.isBlank()) {
            throw new IllegalArgumentException("a requirement needs a module and an action");
        }
    }

    /** {@code "pharmacy:write"}, as the filter's {@code protected-paths} parameter writes it. */
    public static Require parse(String moduleColonAction) {
        int colon = moduleColonAction.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + moduleColonAction + "' is not module:action");
        }
        return new Require(moduleColonAction.substring(0, colon).strip(), moduleColonAction.substring(colon + 1).strip());
    }
}
