package dev.ward.audit;

import java.util.function.Supplier;

/**
 * Runs a change to durable state so that the audit events appended while it runs commit with it, or neither does
 * (C7: no state change without its event). Implemented by the database: everything the change writes there, and the
 * events, are one transaction. A change that runs inside another joins it.
 */
public interface Transactions {
    <T> T atomically(Supplier<T> change);

    default void atomically(Runnable change) {
        atomically(() -> {
            change.run();
            return null;
        });
    }
}
