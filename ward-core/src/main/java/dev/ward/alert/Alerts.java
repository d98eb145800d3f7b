package dev.ward.alert;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditTrail;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The alerts list (API.md "Audit, alerts, reports"): raised with an {@code alert.raised} event in the transaction of
 * what raised them with their deliveries (a signed webhook, e-mail: {@link AlertDelivery}), listed and acknowledged by
 * the tenant's administrators, each delivery attempt listed under its alert.
 */
public final class Alerts {
    private final AlertStore store;
    private final AlertDelivery delivery;
    private final DeliveryOutbox outbox;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    /** Alerts raised by this process, per tenant, type and severity: {@code ward_alerts_total} (API.md metrics). */
    private final Map<List<String>, LongAdder> raised = new ConcurrentHashMap<>();

    public Alerts(AlertStore store, AlertDelivery delivery, DeliveryOutbox outbox, AdminGuard guard, AuditTrail audit, Clock clock) {
        this.store = store;
        this.delivery = delivery;
        this.outbox = outbox;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** Raises an alert; call it inside the change that raises it (its event joins that transaction). */
    public Alert raise(String tenant, String type, String severity, Map<String, Object> subject, Map<String, Object> details) {
        Alert alert = new Alert(Secrets.newId("alr_"), tenant, clock.instant(), type, severity, Alert.OPEN, subject,
                details);
        audit.atomically(() -> {
            store.insert(alert);
            delivery.enqueue(alert);
            audit.append(AuditEntry.of(tenant, "alert.raised").detail("alert_id", alert.id()).detail("alert_type", type)
                    .detail("severity", severity).build());
        });
        raised.computeIfAbsent(List.of(tenant, type, severity), k -> new LongAdder()).increment();
        return alert;
    }

    /** Alerts deleted per transaction by {@link #prune}. */
    static final int PRUNE_BATCH = 1000;

    /**
     * Retention (the tenant's {@code audit.retention_days}, as for the trail the alerts rest on): deletes alerts raised
     * before {@code cutoff} whose deliveries are finished, with their deliveries and attempts, a batch per transaction,
     * each batch with an {@code alert.pruned} event (how many, before when). So the outbox and the alert list stay as
     * long as the trail and no longer. Answers how many alerts went.
     */
    public int prune(String tenant, Instant cutoff) {
        int total = 0;
        for (int round = 0; round < 1000; round++) {
            int deleted = audit.atomically(() -> {
                int n = store.deleteRaisedBefore(tenant, cutoff, PRUNE_BATCH);
                if (n > 0) {
                    audit.append(AuditEntry.of(tenant, "alert.pruned").detail("alerts", n)
                            .detail("raised_before", cutoff.toString()).build());
                }
                return n;
            });
            total += deleted;
            if (deleted < PRUNE_BATCH) {
                break;
            }
        }
        return total;
    }

    /** {@link #prune} of every tenant at its own {@code audit.retention_days}; answers how many alerts went. */
    public int pruneDue(dev.ward.tenant.TenantService tenants) {
        int total = 0;
        for (dev.ward.tenant.Tenant t : tenants.all()) {
            total += prune(t.id(), clock.instant().minus(t.policy().auditRetention()));
        }
        return total;
    }

    /** One of the tenant's alerts, by id (for Ward's own use: no actor; another tenant's is absent). */
    public java.util.Optional<Alert> find(String tenant, String id) {
        return store.find(id).filter(a -> a.tenant().equals(tenant));
    }

    /** Tries the deliveries due now ({@link AlertDelivery#deliverDue}); answers how many. */
    public int deliverDue() { return delivery.deliverDue(); }

    /** How many alerts this process raised, per (tenant, type, severity). */
    public Map<List<String>, Long> raisedCounts() {
        Map<List<String>, Long> counts = new java.util.TreeMap<>(java.util.Comparator.comparing(Object::toString));
        raised.forEach((k, v) -> counts.put(k, v.sum()));
        return counts;
    }

    /** An alert's deliveries (one per channel) and every attempt at them, for an administrator of its tenant. */
    public record Deliveries(List<Delivery> channels, List<DeliveryAttempt> attempts) {}

    public Deliveries deliveries(Actor actor, String id) {
        Alert alert = visible(actor, id);
        return new Deliveries(outbox.deliveries(alert.id()), outbox.attempts(alert.id()));
    }

    public List<Alert> list(Actor actor, String tenant, String status, int limit) {
        if (status != null && !status.equals(Alert.OPEN) && !status.equals(Alert.ACKNOWLEDGED)) {
            throw ProblemException.validation("status", "status must be open or acknowledged");
        }
        return store.list(guard.readableScope(actor, tenant), status, limit);
    }

    /** Acknowledges an alert of a tenant the actor administers; another tenant's is "not found". */
    public void acknowledge(Actor actor, String id) {
        Alert alert = visible(actor, id);
        audit.atomically(() -> {
            if (!store.acknowledge(id, actor.auditName(), clock.instant())) {
                throw ProblemException.conflict("alert_not_open", "This alert was acknowledged already.");
            }
            audit.append(AuditEntry.of(alert.tenant(), "alert.acknowledged").actor(actor).detail("alert_id", id).build());
        });
    }

    /** An alert of a tenant the actor administers; another tenant's is "not found". */
    private Alert visible(Actor actor, String id) {
        if (!actor.isAdminOf(actor.tenant())) {
            // Not an administrator anywhere: refused before any lookup, so the answer says nothing about the id.
            guard.requireAdminOf(actor, actor.tenant());
        }
        return store.find(id).filter(a -> actor.isAdminOf(a.tenant()))
                .orElseThrow(() -> ProblemException.notFound("alert_not_found", "No such alert."));
    }
}
