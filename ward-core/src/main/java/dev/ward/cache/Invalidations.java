package dev.ward.cache;

/**
 * How the nodes of a deployment (servers, and CLI commands on the same data) tell each other that shared state
 * they may hold in a cache changed in the store: API keys, tenant policies, tenant key versions. Adapters carry
 * the notice through the store the state lives in, so whoever can read the state hears about its changes.
 *
 * <p>Fail closed: a node serves cached state only while {@link #live()} says it hears every notice; when its
 * listener was not connected for a while, every subscriber is called on reconnect, as after a change of everything.
 */
public interface Invalidations {
    /**
     * Tells every node that {@code topic} changed; call it after the change is committed. This node's subscribers
     * run first (even when sending then fails), then every listening node's, before this returns (bounded: a node
     * that does not confirm in time is waited for no longer, and catches up within the caches' lifetime).
     *
     * @throws dev.ward.problem.StoreUnavailableException when the notice cannot be sent (the change stands; caches
     *         elsewhere expire within their lifetime)
     */
    void publish(String topic);

    /** Whether this node hears every notice now; while false, caches must not serve (every lookup goes to the store). */
    boolean live();

    /** Runs {@code changed} for every notice of {@code topic}, from any node, and after any gap in listening. */
    void subscribe(String topic, Runnable changed);
}
