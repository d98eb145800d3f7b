package dev.ward.audit;

import java.time.Instant;
import java.util.List;

/**
 * The append-only, hash-chained audit trail (docs/decisions/0010-audit-chain.md). There is deliberately no update and
 * no delete, but for retention pruning at the start of a chain.
 */
public interface AuditStore {
    /**
     * Appends events, each stamped {@code at} (to the millisecond), to their tenants' chains. Durable when this returns:
     * inside {@link Transactions#atomically} they commit with the change around them; otherwise they are written
     * (grouped with other nodes' and threads' appends) before this returns.
     *
     * @throws dev.ward.problem.StoreUnavailableException when they could not be made durable in time
     */
    void append(Instant at, List<AuditEntry> entries);

    /** Appends one event outside any transaction and answers its position in the tenant's chain, once it is durable. */
    long appendOne(Instant at, AuditEntry entry);

    /** Newest first, at most {@code limit}; {@code tenant} null means every tenant. */
    List<AuditEvent> recent(String tenant, String type, int limit);
}
