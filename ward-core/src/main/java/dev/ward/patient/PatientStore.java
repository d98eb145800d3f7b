package dev.ward.patient;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Patient contexts and their sealed data cache, per session (C6). Implemented on SQL (embedded and PostgreSQL) beside
 * the sessions, and on Redis in the session's own cluster slot; each call is one statement batch or one script (one
 * round trip). Expiry is decided by every call against {@code now} (never left to a sweeper or a TTL alone): a context
 * found past either limit is removed by the call that found it and reported {@link State#EXPIRED}.
 */
public interface PatientStore {
    /** How a call found the context. */
    enum State {
        /** Live: the call was made and counted as a use (the idle timeout slid). */
        LIVE,
        /** Found past its idle or hard limit: removed with its data by this call, nothing else done. */
        EXPIRED,
        /** No such context (never opened, closed, or cleared). */
        MISSING,
        /** Refused by a count limit (contexts per session, keys per context); nothing changed. */
        LIMIT
    }

    /**
     * @param context the context as the call left it (before removal, for EXPIRED); null when MISSING
     * @param value   the sealed value read (data reads), or null
     * @param done    for writes and deletes: whether something was written or removed; for opens: a new context
     */
    record Result(State state, PatientContext context, String value, boolean done) {
        @Override public String toString() { return "Result[" + state + ", done=" + done + "]"; }
    }

    /** One context a sweep removed (expired), with where it belonged. */
    record Swept(String sessionId, String patientId) {}

    /**
     * Opens a context, or uses the live one for that patient (a use: {@code done} false). One found expired is
     * replaced by a new one (its data gone; {@code value} is then {@code "expired"}). LIMIT when the session holds
     * {@code maxContexts} live contexts already.
     *
     * @param hardEnd the new context's hard limit; its idle expiry is {@code now + idle}, never past it
     */
    Result open(String sessionId, String patientId, Instant now, Duration idle, Instant hardEnd, boolean breakGlass,
                int maxContexts);

    /** A use of a live context: counted, idle timeout slid. */
    Result touch(String sessionId, String patientId, Instant now);

    /** A use that reads one sealed value ({@code value} null when the key holds nothing). */
    Result read(String sessionId, String patientId, String key, Instant now);

    /** A use that stores one sealed value; LIMIT when a new key would exceed {@code maxKeys}. */
    Result write(String sessionId, String patientId, String key, String sealed, Instant now, int maxKeys);

    /** A use that removes one value ({@code done}: there was one). */
    Result deleteData(String sessionId, String patientId, String key, Instant now);

    /** Removes the context and its data, live or expired; false when there was none. */
    boolean close(String sessionId, String patientId);

    /**
     * Live contexts of a session, oldest first; expired ones met (or whose keys a store's TTL already dropped) are
     * removed and their patient ids listed in {@code expired}.
     */
    record Listing(List<PatientContext> live, List<String> expired) {}

    Listing list(String sessionId, Instant now);

    /** Removes every context of the session with its data; answers how many there were (live or not). */
    int clearAll(String sessionId);

    /**
     * Sessions of the tenant holding a context (live or not) on that patient: for closing them when the patient is
     * restricted. Not a request's path: it may walk the tenant's sessions (Redis).
     */
    List<String> sessionsHolding(String tenant, String patientId);

    /** Whether the session holds any context (live or not). */
    boolean holdsAny(String sessionId);

    /** Removes up to {@code limit} contexts past their limits, in any session, with their data. */
    List<Swept> sweepExpired(Instant now, int limit);

    /** Live contexts per tenant (for /metrics), or empty where the store cannot count them cheaply. */
    default java.util.Optional<java.util.Map<String, Long>> liveCounts(Instant now) {
        return java.util.Optional.empty();
    }

    /** How many contexts past their limits a sweep would remove now (a dry run's count). */
    long countExpired(Instant now);

    /** Contexts held (live or not, until removed), for the dump and contract tests and metrics. */
    long countAll();
}
