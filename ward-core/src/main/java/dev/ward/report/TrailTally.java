package dev.ward.report;

import dev.ward.audit.AuditEvent;
import dev.ward.audit.Checkpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a compliance report counts in its period, in one pass over the tenant's events oldest first (constant memory
 * but for sets of ids of users, breaks of the glass and readers): events by type and the few details the controls need, and — walking the tenant's signed
 * checkpoints alongside, both in chain order — how the period's events were covered by checkpoints: how many were taken
 * in the period and the longest any event waited for one.
 */
final class TrailTally {
    /** Reads the tenant's checkpoints after a position, by position, a page at a time. */
    @FunctionalInterface
    interface Checkpoints {
        List<Checkpoint> after(long seq, int limit);
    }

    static final int CHECKPOINT_PAGE = 1000;
    /**
     * Names that callers choose are not kept one by one beyond a bound: an app names its own event types ({@code app.…},
     * all counted under {@value #APP_TYPES}, the one way the report reads them), and whoever breaks the glass names a
     * reason code ({@value #MAX_REASON_CODES} distinct codes, the rest counted under {@value #OTHER_REASON_CODES}). A
     * key or an account that recorded millions of distinct names would otherwise hold them all in the report's memory
     * and print them in its page (attack13).
     */
    static final String APP_TYPES = "app.";
    static final int MAX_REASON_CODES = 100;
    static final String OTHER_REASON_CODES = "(other codes)";

    private final Instant from;
    private final Instant to;
    private final Checkpoints checkpoints;

    final Map<String, Long> byType = new TreeMap<>();
    long events;
    long sessionsWithoutUser;
    long expiredIdle;
    long expiredAbsolute;
    long patientDataClearedOnTimeout;
    /** {@code app.patient.*} events: actions on patient data an app recorded. */
    long appPatientActions;
    /** Of those, how many name no user. */
    long appPatientActionsWithoutUser;
    final Set<String> usersWhoSignedIn = new HashSet<>();
    final Set<String> breaksOpened = new HashSet<>();
    final Map<String, Long> breakReasonCodes = new TreeMap<>();
    long reviewsJustified;
    long reviewsNotJustified;
    final Set<String> breaksReviewedInPeriod = new HashSet<>();
    final Set<String> trailReaders = new TreeSet<>();
    final Map<String, Long> exportsByFormat = new TreeMap<>();
    /** The last {@code audit.verified} of the period: when, and whether the chain verified. */
    Instant lastVerificationAt;
    Boolean lastVerificationOk;
    /** The first {@code audit.verified} of the period that found the chain broken, if any. */
    Instant firstFailedVerificationAt;
    long keyRotationsScheduled;
    long keyRotationsOnDemand;
    final Map<String, Long> cryptoOperations = new TreeMap<>();

    // Checkpoint coverage.
    long checkpointsInPeriod;
    /** The longest time an event of the period waited for a checkpoint to cover it (till now for one not yet covered). */
    Duration longestWait = Duration.ZERO;
    /** The event that waited longest: when it happened. */
    Instant longestWaitFrom;
    /** Whether the period's last events are covered by no checkpoint yet. */
    boolean tailUncovered;
    private final Deque<Checkpoint> pending = new ArrayDeque<>();
    private boolean started;
    private long cursor;
    private boolean noMoreCheckpoints;
    private AuditEvent firstUncovered;

    TrailTally(Instant from, Instant to, Checkpoints checkpoints) {
        this.from = from;
        this.to = to;
        this.checkpoints = checkpoints;
    }

    /** Counts one event of the period (in chain order). */
    void add(AuditEvent e) {
        if (!started) {
            // From the checkpoint at the position just before the first event: its record may be that event.
            started = true;
            cursor = e.seq() - 2;
        }
        coverThrough(e.seq() - 1);
        if (firstUncovered == null && !e.type().equals("audit.checkpoint")) {
            // A checkpoint's own record is never waited for: it follows the position the checkpoint signs.
            firstUncovered = e;
        }
        events++;
        byType.merge(e.type().startsWith(APP_TYPES) ? APP_TYPES : e.type(), 1L, Long::sum);
        Map<String, Object> d = e.details();
        switch (e.type()) {
            case "session.created" -> {
                if (e.userId() == null) {
                    sessionsWithoutUser++;
                } else {
                    usersWhoSignedIn.add(e.userId());
                }
            }
            case "session.expired" -> {
                if (Boolean.TRUE.equals(d.get("idle"))) {
                    expiredIdle++;
                } else {
                    expiredAbsolute++;
                }
            }
            case "patient.cleared" -> {
                if ("timeout".equals(d.get("reason"))) {
                    patientDataClearedOnTimeout++;
                }
            }
            case "patient.break_glass" -> {
                if (d.get("break_glass_id") instanceof String id) {
                    breaksOpened.add(id);
                }
                String code = d.get("reason_code") instanceof String c ? c : "(none)";
                if (breakReasonCodes.size() >= MAX_REASON_CODES && !breakReasonCodes.containsKey(code)) {
                    code = OTHER_REASON_CODES;
                }
                breakReasonCodes.merge(code, 1L, Long::sum);
            }
            case "patient.break_glass_reviewed" -> {
                if (d.get("break_glass_id") instanceof String id) {
                    breaksReviewedInPeriod.add(id);
                }
                if (Boolean.TRUE.equals(d.get("justified"))) {
                    reviewsJustified++;
                } else {
                    reviewsNotJustified++;
                }
            }
            case "audit.searched" -> read(e);
            case "audit.exported" -> {
                read(e);
                exportsByFormat.merge(d.get("format") instanceof String f ? f : "(unknown)", 1L, Long::sum);
            }
            case "audit.verified" -> {
                read(e);
                lastVerificationAt = e.at();
                lastVerificationOk = "success".equals(e.outcome());
                if (!lastVerificationOk && firstFailedVerificationAt == null) {
                    firstFailedVerificationAt = e.at();
                }
            }
            case "key.rotated" -> {
                if ("scheduled".equals(d.get("reason"))) {
                    keyRotationsScheduled++;
                } else {
                    keyRotationsOnDemand++;
                }
            }
            case "crypto.usage" -> {
                if (d.get("counts") instanceof Map<?, ?> fields) {
                    for (Object ops : fields.values()) {
                        if (ops instanceof Map<?, ?> byOperation) {
                            byOperation.forEach((op, n) -> {
                                if (n instanceof Number count) {
                                    cryptoOperations.merge(String.valueOf(op), count.longValue(), Long::sum);
                                }
                            });
                        }
                    }
                }
            }
            default -> {
                if (e.type().startsWith("app.patient.")) {
                    appPatientActions++;
                    if (e.userId() == null) {
                        appPatientActionsWithoutUser++;
                    }
                }
            }
        }
    }

    private void read(AuditEvent e) {
        if (e.actor() != null) {
            trailReaders.add(e.actor());
        }
    }

    /**
     * Ends the pass at {@code now}: follows the checkpoints past the period's last event until one covers it (or there
     * is none yet, and the wait runs till now).
     */
    void finish(Instant now) {
        if (!started) {
            return;
        }
        coverThrough(Long.MAX_VALUE);
        if (firstUncovered != null) {
            tailUncovered = true;
            waited(firstUncovered.at(), now);
        }
    }

    /**
     * Takes in the checkpoints at positions up to {@code seq}: each covers the events up to its position. After the
     * period's last event ({@code seq} unbounded) it stops at the first checkpoint taken after the period that covers
     * what was left.
     */
    private void coverThrough(long seq) {
        while (true) {
            if (pending.isEmpty()) {
                if (noMoreCheckpoints) {
                    return;
                }
                List<Checkpoint> page = checkpoints.after(cursor, CHECKPOINT_PAGE);
                if (page.size() < CHECKPOINT_PAGE) {
                    noMoreCheckpoints = true;
                }
                if (page.isEmpty()) {
                    return;
                }
                pending.addAll(page);
                cursor = page.getLast().seq();
            }
            Checkpoint c = pending.peekFirst();
            if (c.seq() > seq) {
                return;
            }
            pending.removeFirst();
            if (c.kind().equals(Checkpoint.PRUNED)) {
                continue; // retention's anchor at the chain's new start signs nothing new
            }
            boolean inPeriod = !c.at().isBefore(from) && c.at().isBefore(to);
            if (inPeriod) {
                checkpointsInPeriod++;
            }
            if (firstUncovered != null && firstUncovered.seq() <= c.seq()) {
                waited(firstUncovered.at(), c.at());
                firstUncovered = null;
            }
            if (seq == Long.MAX_VALUE && !inPeriod && firstUncovered == null) {
                return;
            }
        }
    }

    private void waited(Instant since, Instant until) {
        Duration wait = Duration.between(since, until);
        if (wait.compareTo(longestWait) > 0) {
            longestWait = wait;
            longestWaitFrom = since;
        }
    }

    long count(String type) {
        return byType.getOrDefault(type, 0L);
    }

    /** The events whose type starts with {@code prefix}, summed. */
    long countPrefix(String prefix) {
        return byType.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(Map.Entry::getValue).sum();
    }

    /** The period's breaks of the glass still awaiting review, given the ids of every one awaiting review now. */
    long breaksOpenedStillOpen(Set<String> openNow) {
        Set<String> open = new HashSet<>(breaksOpened);
        open.retainAll(openNow);
        return open.size();
    }
}
