package dev.ward.audit;

import dev.ward.tenant.Policy;
import dev.ward.tenant.TenantService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of the audit trail (docs/decisions/0012-audit-checkpoints.md): events older than the tenant's
 * {@code audit.retention_days} are deleted from the start of its chain, a batch at a time. Each batch, in one
 * transaction holding the chain's head: a signed {@code pruned} checkpoint at the last deleted position, the deletion,
 * the chain's start moved there ({@code audit_heads.first_seq}/{@code first_prev}) and an {@code audit.pruned} event
 * — so the rest still verifies from the signed start. The events to delete are verified first: pruning refuses to
 * delete (and so to launder) a part of the chain that does not verify.
 */
public final class AuditRetention {
    private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);
    /** Events deleted per transaction: the chain's appends wait for the head meanwhile. */
    static final int BATCH = 5000;

    private final AuditChainStore store;
    private final CheckpointKeys keys;
    private final TenantService tenants;
    private final AuditTrail audit;
    private final Clock clock;

    public AuditRetention(AuditChainStore store, CheckpointKeys keys, TenantService tenants, AuditTrail audit, Clock clock) {
        this.store = store;
        this.keys = keys;
        this.tenants = tenants;
        this.audit = audit;
        this.clock = clock;
    }

    /** Prunes every chain past its tenant's retention; answers how many events were deleted. */
    public long pruneDue() {
        long total = 0;
        for (AuditChainStore.State s : store.states()) {
            total += prune(s.tenant());
        }
        return total;
    }

    /** Prunes one tenant's chain past its retention; answers how many events were deleted. */
    public long prune(String tenant) {
        Policy policy = tenants.find(tenant).map(t -> t.policy()).orElse(Policy.defaults());
        Duration retention = policy.auditRetention();
        long total = 0;
        for (int rounds = 0; rounds < 10_000; rounds++) {
            Instant cutoff = clock.instant().minus(retention);
            AuditChainStore.Head head = store.head(tenant).orElse(null);
            if (head == null) {
                return total;
            }
            AuditChainStore.Link last = null;
            long expected = head.firstSeq() + 1;
            String prev = head.firstPrev();
            boolean older = true;
            while (older && expected - head.firstSeq() <= BATCH) {
                List<AuditChainStore.Link> page = store.page(tenant, expected - 1,
                        Math.min(head.seq(), head.firstSeq() + BATCH), AuditVerifier.PAGE);
                if (page.isEmpty()) {
                    break;
                }
                for (AuditChainStore.Link link : page) {
                    if (!link.at().isBefore(cutoff)) {
                        older = false;
                        break;
                    }
                    String problem = AuditVerifier.problem(link, expected, prev);
                    if (problem != null) {
                        // Never delete (and so launder) what does not verify: what came before it may go.
                        log.warn("audit retention for tenant {} stops at {}: the chain does not verify there ({}); "
                                + "run ward audit verify", tenant, expected, problem);
                        older = false;
                        break;
                    }
                    last = link;
                    prev = link.hash();
                    expected++;
                }
            }
            if (last == null) {
                return total;
            }
            long deleted = pruneThrough(tenant, head.firstSeq(), last, retention);
            total += deleted;
            if (!older) {
                return total; // reached events inside the retention: done
            }
        }
        return total;
    }

    private long pruneThrough(String tenant, long firstSeq, AuditChainStore.Link newStart, Duration retention) {
        keys.prepare();
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        return audit.atomically(() -> {
            AuditChainStore.Head head = store.lockHead(tenant);
            if (head.firstSeq() != firstSeq) {
                return 0L; // another node pruned meanwhile; look again
            }
            CheckpointKeys.Signed signed = keys.sign(Checkpoint.signedBytes(tenant, newStart.seq(), newStart.hash(), at));
            store.insertCheckpoint(new Checkpoint(tenant, newStart.seq(), newStart.hash(), at, Checkpoint.PRUNED,
                    signed.keyId(), signed.signature()));
            long deleted = store.pruneThrough(tenant, firstSeq, newStart);
            audit.append(AuditEntry.of(tenant, "audit.pruned").actor("system").detail("count", deleted)
                    .detail("first_seq", newStart.seq() + 1).detail("checkpoint_seq", newStart.seq())
                    .detail("key_id", signed.keyId()).detail("retention_days", retention.toDays()).build());
            return deleted;
        });
    }
}
