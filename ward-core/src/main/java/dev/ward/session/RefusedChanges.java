package dev.ward.session;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The session changes a request answered as not done (503, or a validation without its new token) while the database
 * could not say whether their records had committed: the record of the answer that was given, kept where the database
 * is not (Redis), beside the intent it names (docs/decisions/0015-commit-in-doubt.md, amended 2026-12-07). Should the
 * intent turn out gone (the records committed), the change stands, done and recorded, that the client was told had
 * failed; the repair finds it here and ends what nobody holds.
 */
public interface RefusedChanges {
    /** A change answered as refused: the intent it names and what the repair needs (as the intent had it). */
    record Refused(long intent, String kind, String tenant, String userId, Map<String, Object> payload, Instant at) {}

    /** Kept this long: well past the repair's window, so a repair that runs late still finds it. */
    Duration KEEP = Duration.ofHours(24);

    /** Records a refusal. Throws StoreUnavailableException when the store cannot. */
    void record(Refused refused);

    /** Up to {@code limit} refusals recorded before {@code before}, oldest first. */
    List<Refused> recordedBefore(Instant before, int limit);

    /**
     * Claims a refusal for this caller alone, so two nodes never act on one at once (a claim older than
     * {@code staleClaim} is taken over); false when another holds it or it was forgotten meanwhile.
     */
    boolean claim(long intent, String claimant, Instant staleClaim, Instant now);

    /** Forgets the refusal naming {@code intent}, claimed or not (none: nothing happens). */
    void forget(long intent);

    /** Where sessions are in the database: no change is ever refused in doubt, nothing is kept. */
    RefusedChanges NONE = new RefusedChanges() {
        @Override
        public void record(Refused refused) { }

        @Override
        public List<Refused> recordedBefore(Instant before, int limit) { return List.of(); }

        @Override
        public boolean claim(long intent, String claimant, Instant staleClaim, Instant now) { return false; }

        @Override
        public void forget(long intent) { }
    };
}
