package dev.ward.store.sql;

import dev.ward.cache.Invalidations;

/**
 * Cache invalidation through the database the cached state lives in (docs/decisions/0008): PostgreSQL's
 * LISTEN/NOTIFY, or, on the embedded H2, a function that runs inside the process that holds the database (the
 * server; a CLI command's statements run there too). A node publishes from the start; it listens, and so lets
 * its caches serve, only after {@link #listen()}: a CLI command that does not listen always reads the store.
 */
public interface SqlInvalidations extends Invalidations, AutoCloseable {
    static SqlInvalidations of(SqlDatabase db) {
        return switch (db.dialect()) {
            case H2 -> new H2Invalidations(db);
            case POSTGRESQL -> new PostgresInvalidations(db);
        };
    }

    /** Starts hearing other nodes' notices; returns once listening, or after a few seconds while it keeps trying. */
    void listen();

    /** Stops listening; publishing still works until the database closes. */
    @Override
    void close();
}
