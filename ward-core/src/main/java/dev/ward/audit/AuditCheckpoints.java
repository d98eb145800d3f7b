package dev.ward.audit;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.problem.ProblemException;
import dev.ward.tenant.Policy;
import dev.ward.tenant.TenantService;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signed checkpoints of the tenants' chains (docs/decisions/0012-audit-checkpoints.md): every
 * {@code audit.checkpoint_seconds} of a tenant's policy when its chain moved, and on demand.
 *
 * <p>A checkpoint signs the head as it is under the head's lock — position {@code seq} and its hash — and is recorded
 * by an {@code audit.checkpoint} event in the same transaction, which becomes position {@code seq + 1}: a checkpoint
 * covers the events up to {@code seq}, not the event that records it. Every node runs the schedule; the head's lock
 * serialises them, and a node that finds a checkpoint taken since the chain last moved writes none.
 */
public final class AuditCheckpoints {
    private final AuditChainStore store;
    private final CheckpointKeys keys;
    private final TenantService tenants;
    private final AdminGuard guard;
    private final AuditTrail audit;
    private final Clock clock;

    public AuditCheckpoints(AuditChainStore store, CheckpointKeys keys, TenantService tenants, AdminGuard guard,
                            AuditTrail audit, Clock clock) {
        this.store = store;
        this.keys = keys;
        this.tenants = tenants;
        this.guard = guard;
        this.audit = audit;
        this.clock = clock;
    }

    /** A checkpoint of the tenant's chain now; empty when the chain has no event yet. */
    public Optional<Checkpoint> take(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
        requireTenant(tenant);
        return write(tenant, Checkpoint.ON_DEMAND, actor.auditName(), false);
    }

    /** A checkpoint of every tenant's chain now (system administrators): those taken, by tenant. */
    public List<Checkpoint> takeAll(Actor actor) {
        guard.requireSystemAdmin(actor);
        List<Checkpoint> taken = new ArrayList<>();
        for (AuditChainStore.State s : store.states()) {
            write(s.tenant(), Checkpoint.ON_DEMAND, actor.auditName(), false).ifPresent(taken::add);
        }
        return taken;
    }

    /**
     * The schedule's work: a checkpoint of each chain whose newest is {@code audit.checkpoint_seconds} old or older and
     * that moved since (beyond the event recording that checkpoint). Answers how many were taken.
     */
    public int takeDue() {
        Instant now = clock.instant();
        int taken = 0;
        for (AuditChainStore.State s : store.states()) {
            if (s.headSeq() == 0 || (s.lastCheckpointAt() != null && s.headSeq() <= s.lastCheckpointSeq() + 1)) {
                continue; // nothing new since the last checkpoint but the event recording it
            }
            long interval = policyOf(s.tenant()).auditCheckpointInterval().toMillis();
            if (s.lastCheckpointAt() != null && now.isBefore(s.lastCheckpointAt().plusMillis(interval))) {
                continue;
            }
            if (write(s.tenant(), Checkpoint.PERIODIC, "system", true).isPresent()) {
                taken++;
            }
        }
        return taken;
    }

    /**
     * The tenant's newest checkpoints, newest first, and every checkpoint key (retired ones too: they verify the
     * checkpoints they signed) with its public half, so that anyone can check a copy.
     */
    public Map<String, Object> list(Actor actor, String tenant, int limit) {
        guard.requireAdminOf(actor, tenant);
        requireTenant(tenant);
        return Map.of("checkpoints", store.recentCheckpoints(tenant, limit), "keys", keys.publicKeys());
    }

    /** The position of the tenant's newest event (0 for an empty chain): where a report's reading of the trail stops. */
    public long headSeq(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
        return store.head(tenant).map(AuditChainStore.Head::seq).orElse(0L);
    }

    /** Up to {@code limit} of the tenant's checkpoints after position {@code afterSeq}, by position: for reports. */
    public List<Checkpoint> after(Actor actor, String tenant, long afterSeq, int limit) {
        guard.requireAdminOf(actor, tenant);
        return store.checkpointsAfter(tenant, afterSeq, limit);
    }

    /** The tenant's newest checkpoint, if it has one. */
    public Optional<Checkpoint> newest(Actor actor, String tenant) {
        guard.requireAdminOf(actor, tenant);
        return store.recentCheckpoints(tenant, 1).stream().findFirst();
    }

    private Policy policyOf(String tenant) {
        return tenants.find(tenant).map(t -> t.policy()).orElse(Policy.defaults());
    }

    private void requireTenant(String tenant) {
        if (tenants.find(tenant).isEmpty()) {
            throw ProblemException.notFound("tenant_not_found", "No such tenant.");
        }
    }

    private Optional<Checkpoint> write(String tenant, String kind, String actor, boolean onlyIfMoved) {
        keys.prepare();
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        return audit.atomically(() -> {
            AuditChainStore.Head head = store.lockHead(tenant);
            if (head.seq() <= head.firstSeq()) {
                return Optional.<Checkpoint>empty();
            }
            if (onlyIfMoved) {
                Optional<Checkpoint> newest = store.recentCheckpoints(tenant, 1).stream().findFirst();
                if (newest.isPresent() && newest.get().seq() >= head.seq() - 1) {
                    return Optional.<Checkpoint>empty();
                }
            }
            CheckpointKeys.Signed signed = keys.sign(Checkpoint.signedBytes(tenant, head.seq(), head.hash(), at));
            Checkpoint c = new Checkpoint(tenant, head.seq(), head.hash(), at, kind, signed.keyId(), signed.signature());
            if (!store.insertCheckpoint(c)) {
                return Optional.<Checkpoint>empty();
            }
            audit.append(AuditEntry.of(tenant, "audit.checkpoint").actor(actor).detail("seq", c.seq()).detail("hash", c.hash())
                    .detail("kind", kind).detail("key_id", c.keyId()).build());
            return Optional.of(c);
        });
    }
}
