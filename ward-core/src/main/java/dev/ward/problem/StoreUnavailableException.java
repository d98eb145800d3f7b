package dev.ward.problem;

/**
 * A store (database, Redis) could not be reached. Ward fails closed: the HTTP layer answers
 * {@code 503 store_unavailable} and never treats the request as valid. The message names the store
 * only, never a URL with credentials or a statement.
 */
public final class StoreUnavailableException extends RuntimeException {
    private final String store;

    public StoreUnavailableException(String store, Throwable cause) {
        super(store + " is unavailable", cause);
        this.store = store;
    }

    /** With the cause in Ward's own words (e.g. "authentication failed"), never a driver's message. */
    public StoreUnavailableException(String store, String reason, Throwable cause) {
        super(store + " is unavailable: " + reason, cause);
        this.store = store;
    }

    public String store() { return store; }
}
