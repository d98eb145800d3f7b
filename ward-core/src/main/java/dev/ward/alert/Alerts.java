package dev.ward.alert;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The alerts list (API.md "Audit, alerts, reports"): raised with an {@code alert.raised} event in the transaction of
 * what raised them, listed and acknowledged by the tenant's administrators. Delivery (webhook, e-mail) comes with the
 * detectors (C8).
 */
public final class Alerts {
    private final AlertStore store;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    public Alerts(AlertStore store, AdminGuard guard, AuditTrail audit, Clock clock) {
        this.store = store;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** Raises an alert; call it inside the change that raises it (its event joins that transaction). */
    public Alert raise(String tenant, String type, String severity, Map<String, Object> subject, Map<String, Object> details) {
        Alert alert = new Alert(Secrets.newId("alr_"), tenant, clock.instant(), type, severity, Alert.OPEN, subject,
                details);
        store.insert(alert);
        audit.append(AuditEntry.of(tenant, "alert.raised").detail("alert_id", alert.id()).detail("alert_type", type)
                .detail("severity", severity).build());
        return alert;
    }

    public List<Alert> list(Actor actor, String tenant, String status, int limit) {
        if (status != null && !status.equals(Alert.OPEN) && !status.equals(Alert.ACKNOWLEDGED)) {
            throw ProblemException.validation("status", "status must be open or acknowledged");
        }
        return store.list(guard.readableScope(actor, tenant), status, limit);
    }

    /** Acknowledges an alert of a tenant the actor administers; another tenant's is "not found". */
    public void acknowledge(Actor actor, String id) {
        if (!actor.isAdminOf(actor.tenant())) {
            // Not an administrator anywhere: refused before any lookup, so the answer says nothing about the id.
            guard.requireAdminOf(actor, actor.tenant());
        }
        Alert alert = store.find(id).filter(a -> actor.isAdminOf(a.tenant()))
                .orElseThrow(() -> ProblemException.notFound("alert_not_found", "No such alert."));
        audit.atomically(() -> {
            if (!store.acknowledge(id, actor.auditName(), clock.instant())) {
                throw ProblemException.conflict("alert_not_open", "This alert was acknowledged already.");
            }
            audit.append(AuditEntry.of(alert.tenant(), "alert.acknowledged").actor(actor).detail("alert_id", id).build());
        });
    }
}
