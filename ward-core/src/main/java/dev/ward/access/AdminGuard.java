package dev.ward.access;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.problem.ProblemException;

/** The one check that an actor may administer a tenant; refusals across tenants are audited as security events. */
public final class AdminGuard {
    private final AuditTrail audit;

    public AdminGuard(AuditTrail audit) { this.audit = audit; }

    public void requireAdminOf(Actor actor, String tenant) {
        if (actor.isAdminOf(tenant)) {
            return;
        }
        if (actor instanceof Actor.ApiKey key && !key.has(Scope.ADMIN)) {
            throw ProblemException.insufficientScope(Scope.ADMIN.wire());
        }
        boolean isAdminSomewhere = actor instanceof Actor.ApiKey
                || (actor instanceof Actor.User u && u.roles().contains(Actor.ADMIN_ROLE));
        if (isAdminSomewhere && !actor.tenant().equals(tenant)) {
            audit.append(AuditEntry.of(actor.tenant(), "security.cross_tenant_denied").outcome(AuditEntry.DENIED)
                    .actor(actor).detail("target_tenant", tenant).build());
            throw ProblemException.forbidden("You may not administer another tenant.");
        }
        throw ProblemException.forbidden("This operation needs an administrator.");
    }

    /**
     * The tenant an administrator's listing covers: the one asked for (if they administer it), their own
     * when none is asked for, or null — every tenant — for system administrators asking for none.
     */
    public String readableScope(Actor actor, String requestedTenant) {
        if (requestedTenant != null) {
            requireAdminOf(actor, requestedTenant);
            return requestedTenant;
        }
        if (actor.isSystemAdmin()) {
            return null;
        }
        requireAdminOf(actor, actor.tenant());
        return actor.tenant();
    }

    public void requireSystemAdmin(Actor actor) {
        if (actor.isSystemAdmin()) {
            return;
        }
        if (actor instanceof Actor.ApiKey key && !key.has(Scope.ADMIN)) {
            throw ProblemException.insufficientScope(Scope.ADMIN.wire());
        }
        throw ProblemException.forbidden("This operation needs a system administrator.");
    }
}
