package dev.ward.session;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The durable record of a session change about to be made in a store outside the database (Redis), written before
 * the change and deleted in the same transaction as the change's audit events (docs/decisions/0011-order-of-effects.md).
 * An intent still here after its request's time has passed was interrupted between the two, and is repaired.
 */
public interface SessionIntents {
    /** What a change was about to do: its kind and what a repair needs to finish or undo it. */
    record Intent(long id, Instant begunAt, String kind, String tenant, String userId, Map<String, Object> payload) {}

    /** Records an intent durably; answers its id. */
    long begin(String kind, String tenant, String userId, Map<String, Object> payload, Instant now);

    /**
     * The change and its events commit: the intent is over. Joins the caller's transaction. False when a repair has
     * claimed the intent meanwhile (the change took longer than the repair waits): then the repair's outcome stands
     * and the caller must not commit its own.
     */
    boolean done(long id);

    /**
     * Whether the intent is still here, once any transaction deleting it has ended (it waits for that transaction's
     * lock): after a commit whose answer was lost, false means the commit happened, true that it did not. Throws
     * StoreUnavailableException when the database cannot tell now.
     */
    boolean pending(long id);

    /** A repair finished the intent it claimed. Joins the caller's transaction. */
    void finish(long id, String claimant);

    /**
     * Up to {@code limit} intents begun before {@code before}, each claimed for this caller alone (a claim older than
     * {@code staleClaim} is taken over), so two nodes never repair one intent twice at once.
     */
    List<Intent> claimInterrupted(Instant before, Instant staleClaim, String claimant, int limit, Instant now);
}
