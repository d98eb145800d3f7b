package dev.ward.audit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The chain as stored, for verification, checkpoints and retention (docs/decisions/0012-audit-checkpoints.md): the
 * heads, the events in chain order with the exact text their hashes cover, and the signed checkpoints.
 */
public interface AuditChainStore {
    /**
     * A tenant's head: the last position and its hash, and where the chain starts — after position {@code firstSeq},
     * whose hash is {@code firstPrev} (0 and the genesis, or where retention pruned it).
     */
    record Head(long seq, String hash, long firstSeq, String firstPrev) {}

    /** An event as stored: {@code details} is the stored canonical text itself, which the hash covers. */
    record Link(long seq, Instant at, String tenant, String type, String outcome, String actor, String userId,
                String sessionId, String patientId, String ip, String details, String prevHash, String hash) {}

    /** A tenant's chain at a glance, for the checkpoint schedule. */
    record State(String tenant, long headSeq, long lastCheckpointSeq, Instant lastCheckpointAt) {}

    Optional<Head> head(String tenant);

    /** Up to {@code limit} events with {@code afterSeq < seq <= throughSeq}, in chain order. */
    List<Link> page(String tenant, long afterSeq, long throughSeq, int limit);

    /** Whether an event is stored at that position. */
    boolean existsAt(String tenant, long seq);

    /** Up to {@code limit} checkpoints with {@code seq > afterSeq}, by position (then kind). */
    List<Checkpoint> checkpointsAfter(String tenant, long afterSeq, int limit);

    /** The newest {@code limit} checkpoints, newest first. */
    List<Checkpoint> recentCheckpoints(String tenant, int limit);

    /** Every tenant with a chain, with its head and newest checkpoint. */
    List<State> states();

    /**
     * The tenant's head, locked until the surrounding transaction ({@link Transactions#atomically}) ends, so no
     * event is appended meanwhile; created empty when the tenant has no chain yet.
     */
    Head lockHead(String tenant);

    /** Stores a checkpoint; false when one of that kind already exists at that position (another node's). */
    boolean insertCheckpoint(Checkpoint checkpoint);

    /**
     * Inside a transaction holding the head: deletes the events at positions {@code (head.firstSeq, newStart.seq]} and
     * starts the chain after {@code newStart}. Answers how many were deleted.
     */
    long pruneThrough(String tenant, long firstSeq, Link newStart);
}
