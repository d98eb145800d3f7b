package dev.ward.audit;

import dev.ward.access.Actor;
import dev.ward.access.AdminGuard;
import dev.ward.problem.ProblemException;
import dev.ward.problem.RateLimitedException;
import dev.ward.tenant.TenantService;
import java.security.PublicKey;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Verifies a tenant's audit chain (docs/decisions/0012-audit-checkpoints.md): walks it in pages (constant memory) from
 * where it starts ({@code audit_heads.first_seq}/{@code first_prev}, anchored by a signed {@code pruned} checkpoint
 * once retention has pruned it) to its head, recomputes every hash from the stored fields, checks every link and that
 * positions run without a gap, and checks every signed checkpoint on the way — its signature, and that the chain still
 * has its hash at its position. A checkpoint beyond the chain's end means the tail was cut off.
 *
 * <p>The first problem found is reported with its position and one of these stable reasons:
 * <ul>
 * <li>{@code hash_mismatch} — the event's stored hash is not the hash of its fields: it was edited, or moved;</li>
 * <li>{@code broken_link} — the event's {@code prev_hash} is not the previous event's hash: events were inserted,
 *     removed or reordered before it;</li>
 * <li>{@code gap} — no event at this position: it was deleted;</li>
 * <li>{@code head_mismatch} — the head row disagrees with the chain (events stored beyond the head, or its hash);</li>
 * <li>{@code truncated} — the chain ends before its head or before a signed checkpoint: its last events were deleted;</li>
 * <li>{@code checkpoint_mismatch} — a validly signed checkpoint names another hash at this position: the chain was
 *     rewritten (its hashes recomputed) after the checkpoint;</li>
 * <li>{@code bad_signature} — a checkpoint's signature does not verify: it was forged or altered;</li>
 * <li>{@code unknown_key} — a checkpoint names a key Ward does not hold, or one whose private half does not open
 *     under the master key (a key someone added to the database);</li>
 * <li>{@code unanchored_start} — the chain starts after position 0 without a valid {@code pruned} checkpoint there.</li>
 * </ul>
 */
public final class AuditVerifier {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuditVerifier.class);
    static final int PAGE = 1000;

    public static final List<String> REASONS = List.of("hash_mismatch", "broken_link", "gap", "head_mismatch", "truncated",
            "checkpoint_mismatch", "bad_signature", "unknown_key", "unanchored_start");

    /**
     * The outcome: on success {@code checked} events up to the head {@code (headSeq, headHash)}; otherwise the first bad
     * position, the reason and a sentence for people.
     */
    public record Result(boolean ok, long checked, long checkpoints, long headSeq, String headHash, long firstBadSeq,
                         String reason, String detail) {
        /**
         * The answer of {@code GET /v1/admin/audit/verify} and {@code ward audit verify --format json}:
         * {@code {"ok":true,"checked","head":{"seq","hash"},"checkpoints_checked"}} or
         * {@code {"ok":false,"first_bad_seq","reason","detail","checked","checkpoints_checked"}}.
         */
        public Map<String, Object> answer() {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            out.put("ok", ok);
            if (ok) {
                out.put("checked", checked);
                out.put("head", Map.of("seq", headSeq, "hash", headHash));
            } else {
                out.put("first_bad_seq", firstBadSeq);
                out.put("reason", reason);
                out.put("detail", detail);
                out.put("checked", checked);
            }
            out.put("checkpoints_checked", checkpoints);
            return out;
        }

        static Result good(long checked, long checkpoints, long headSeq, String headHash) {
            return new Result(true, checked, checkpoints, headSeq, headHash, 0, null, null);
        }

        static Result bad(long checked, long checkpoints, long firstBadSeq, String reason, String detail) {
            return new Result(false, checked, checkpoints, 0, null, firstBadSeq, reason, detail);
        }
    }

    private final AuditChainStore store;
    private final CheckpointKeys keys;
    private final TenantService tenants;
    private final AdminGuard guard;
    private final AuditTrail audit;

    public AuditVerifier(AuditChainStore store, CheckpointKeys keys, TenantService tenants, AdminGuard guard, AuditTrail audit) {
        this.store = store;
        this.keys = keys;
        this.tenants = tenants;
        this.guard = guard;
        this.audit = audit;
    }

    /** How many events a verification of the tenant walks now: for a progress bar. */
    public long size(String tenant) {
        return store.head(tenant).map(h -> h.seq() - h.firstSeq()).orElse(0L);
    }

    /**
     * Verifies the tenant's chain, reporting each event walked to {@code progress} (a running count), and records the
     * outcome as {@code audit.verified} (compliance reports show when the chain was last verified). While another
     * verification of the tenant walks on this node, or {@value #AT_ONCE} of any tenant do, it is refused with
     * {@link RateLimitedException}.
     */
    public Result verify(Actor actor, String tenant, LongConsumer progress) {
        guard.requireAdminOf(actor, tenant);
        if (tenants.find(tenant).isEmpty()) {
            throw ProblemException.notFound("tenant_not_found", "No such tenant.");
        }
        if (walking.putIfAbsent(tenant, Boolean.TRUE) != null) {
            throw new RateLimitedException("verifications of this tenant's chain at once", BUSY_RETRY);
        }
        if (!slots.tryAcquire()) {
            walking.remove(tenant);
            throw new RateLimitedException("verifications at once", BUSY_RETRY);
        }
        try {
            return verifyAlone(actor, tenant, progress);
        } finally {
            slots.release();
            walking.remove(tenant);
        }
    }

    /**
     * Verifications walking now: one per tenant and {@value #AT_ONCE} in all on this node. Each reads the whole chain
     * (minutes over millions of events, a compliance report included), so more of them at once only slow each other
     * and the database; a request beyond these is {@code 429 rate_limited}, to be asked again later.
     */
    static final int AT_ONCE = 2;
    static final java.time.Duration BUSY_RETRY = java.time.Duration.ofSeconds(15);
    private final java.util.concurrent.ConcurrentHashMap<String, Boolean> walking = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(AT_ONCE);

    private Result verifyAlone(Actor actor, String tenant, LongConsumer progress) {
        AuditChainStore.Head start = head(tenant);
        Result result = walk(tenant, start, progress);
        if (!result.ok() && head(tenant).firstSeq() != start.firstSeq()) {
            // Retention pruned the start away while this walked: walk again from the new start.
            result = walk(tenant, head(tenant), progress);
        }
        AuditEntry.Builder event = AuditEntry.of(tenant, "audit.verified").actor(actor)
                .outcome(result.ok() ? AuditEntry.SUCCESS : AuditEntry.FAILURE)
                .detail("checked", result.checked()).detail("checkpoints", result.checkpoints());
        if (result.ok()) {
            event.detail("head_seq", result.headSeq()).detail("head_hash", result.headHash());
        } else {
            event.detail("first_bad_seq", result.firstBadSeq()).detail("reason", result.reason());
        }
        try {
            audit.append(event.build());
        } catch (RuntimeException e) {
            // The answer matters more than its record here: a row planted past the head blocks every append, and
            // verification is how that is found. Nothing changed, so nothing is left unrecorded but the check itself.
            log.warn("recording the verification of tenant {} failed: {}", tenant, e.getClass().getName());
        }
        return result;
    }

    private AuditChainStore.Head head(String tenant) {
        return store.head(tenant).orElse(new AuditChainStore.Head(0, AuditChain.GENESIS, 0, AuditChain.GENESIS));
    }

    /**
     * What is wrong with {@code link} found where position {@code expected} should be, after an event whose hash is
     * {@code prev}; null when nothing is.
     */
    static String problem(AuditChainStore.Link link, long expected, String prev) {
        if (link.seq() != expected) {
            return "gap";
        }
        if (!prev.equals(link.prevHash())) {
            return "broken_link";
        }
        String recomputed = AuditChain.hash(prev, link.tenant(), link.seq(), link.at(), link.type(), link.outcome(),
                link.actor(), link.userId(), link.sessionId(), link.patientId(), link.ip(), link.details());
        return recomputed.equals(link.hash()) ? null : "hash_mismatch";
    }

    static String explain(String reason, long seq) {
        return switch (reason) {
            case "hash_mismatch" -> "The event at " + seq + " does not hash to its stored hash: it was edited or moved.";
            case "broken_link" -> "The event at " + seq + " does not link to the event before it: events were inserted, "
                    + "removed or reordered.";
            case "gap" -> "No event at " + seq + ": it was deleted.";
            case "head_mismatch" -> "The chain's head disagrees with its events at " + seq + ".";
            case "truncated" -> "The chain ends before " + seq + ", but its head or a signed checkpoint says it went further: "
                    + "its last events were deleted.";
            case "checkpoint_mismatch" -> "The signed checkpoint at " + seq + " names another hash: the chain was rewritten.";
            case "bad_signature" -> "The checkpoint at " + seq + " has a signature that does not verify.";
            case "unknown_key" -> "The checkpoint at " + seq + " was signed with a key Ward did not make.";
            case "unanchored_start" -> "The chain starts at " + seq + " without a valid signed checkpoint of its pruning.";
            default -> reason;
        };
    }

    private Result walk(String tenant, AuditChainStore.Head head, LongConsumer progress) {
        Checks checks = new Checks(tenant);
        long first = head.firstSeq();
        String prev = head.firstPrev();
        if (first > 0) {
            Optional<Checkpoint> anchor = store.checkpointsAfter(tenant, first - 1, 16).stream()
                    .filter(c -> c.seq() == first && c.kind().equals(Checkpoint.PRUNED)).findFirst();
            if (anchor.isEmpty() || checks.signatureProblem(anchor.get()) != null || !anchor.get().hash().equals(prev)) {
                return bad(0, checks, first + 1, "unanchored_start");
            }
        }
        Deque<Checkpoint> pending = new ArrayDeque<>();
        long checkpointCursor = first;
        long expected = first + 1;
        long checked = 0;
        while (expected <= head.seq()) {
            List<AuditChainStore.Link> page = store.page(tenant, expected - 1, head.seq(), PAGE);
            if (page.isEmpty()) {
                break;
            }
            for (AuditChainStore.Link link : page) {
                String reason = problem(link, expected, prev);
                if (reason != null) {
                    return bad(checked, checks, expected, reason);
                }
                while (true) {
                    if (pending.isEmpty()) {
                        List<Checkpoint> more = store.checkpointsAfter(tenant, checkpointCursor, PAGE);
                        if (more.isEmpty()) {
                            break;
                        }
                        pending.addAll(more);
                        checkpointCursor = more.getLast().seq();
                    }
                    Checkpoint c = pending.peekFirst();
                    if (c.seq() > expected) {
                        break;
                    }
                    pending.removeFirst();
                    // Below the current position only where its event is gone, which the walk has reported already.
                    String wrong = checks.signatureProblem(c);
                    if (wrong == null && !c.hash().equals(link.hash())) {
                        wrong = "checkpoint_mismatch";
                    }
                    if (wrong != null) {
                        return bad(checked, checks, c.seq(), wrong);
                    }
                    checks.checkpoints++;
                }
                prev = link.hash();
                expected++;
                checked++;
            }
            progress.accept(checked);
        }
        long last = expected - 1;
        if (last < head.seq()) {
            return bad(checked, checks, last + 1, "truncated");
        }
        if (!prev.equals(head.hash())) {
            return bad(checked, checks, last, "head_mismatch");
        }
        // Events stored past the head: first look for one, then at the head again (an append commits both together).
        if (store.existsAt(tenant, last + 1) && head(tenant).seq() == head.seq()) {
            return bad(checked, checks, last + 1, "head_mismatch");
        }
        // A checkpoint past the end: the tail was cut off — unless the chain grew past it while this walked.
        Checkpoint beyond = pending.isEmpty() ? store.checkpointsAfter(tenant, last, 1).stream().findFirst().orElse(null)
                : pending.peekFirst();
        if (beyond != null) {
            String wrong = checks.signatureProblem(beyond);
            if (wrong != null) {
                return bad(checked, checks, beyond.seq(), wrong);
            }
            if (head(tenant).seq() < beyond.seq()) {
                return bad(checked, checks, last + 1, "truncated");
            }
        }
        return Result.good(checked, checks.checkpoints, last, prev);
    }

    private static Result bad(long checked, Checks checks, long seq, String reason) {
        return Result.bad(checked, checks.checkpoints, seq, reason, explain(reason, seq));
    }

    /** Checkpoint signatures, with each key looked up (and its genuineness checked) once per walk. */
    private final class Checks {
        private final String tenant;
        private final Map<String, Optional<PublicKey>> keysById = new HashMap<>();
        long checkpoints;

        Checks(String tenant) { this.tenant = tenant; }

        String signatureProblem(Checkpoint c) {
            if (!c.tenant().equals(tenant)) {
                return "bad_signature";
            }
            Optional<PublicKey> key = keysById.computeIfAbsent(c.keyId(), keys::trusted);
            if (key.isEmpty()) {
                return "unknown_key";
            }
            return CheckpointKeys.verifies(key.get(), c.signedBytes(), c.signature()) ? null : "bad_signature";
        }
    }
}
