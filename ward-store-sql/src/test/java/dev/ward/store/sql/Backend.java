package dev.ward.store.sql;

import dev.ward.session.AttributeStore;
import dev.ward.session.SessionStore;
import java.util.Optional;
import java.util.UUID;

/**
 * A store backend the contract suites ({@link StoreContract}) run on. Each one hands every fixture
 * {@link Stores} of its own, empty and migrated, and disposes of them when the fixture closes.
 *
 * <p>To add a backend (Redis standalone, Redis Cluster): add a constant whose {@link #open} returns
 * {@link Stores} with the Redis session and attribute stores over a fresh keyspace (durable state stays
 * in SQL, e.g. a PostgreSQL schema as {@link #POSTGRES} makes), and whose {@link #unavailable} says why
 * the server or cluster cannot be had. Every suite then runs on it too.
 */
enum Backend {
    H2("H2") {
        @Override
        Optional<String> unavailable() {
            return Optional.empty();
        }

        @Override
        Stores open(String label) {
            return Stores.sql(SqlDatabase.inMemory(label + "-" + UUID.randomUUID()), () -> {});
        }
    },

    POSTGRES("PostgreSQL") {
        @Override
        Optional<String> unavailable() {
            return TestPostgres.unreachable();
        }

        /** A schema of its own: created empty, migrated by Flyway, dropped (CASCADE) on close. */
        @Override
        Stores open(String label) {
            String schema = TestPostgres.createSchema(label);
            SqlDatabase db;
            try {
                db = SqlDatabase.postgres(TestPostgres.urlOf(schema));
            } catch (RuntimeException e) {
                try {
                    TestPostgres.dropSchema(schema);
                } catch (RuntimeException dropFailure) {
                    e.addSuppressed(dropFailure);
                }
                throw e;
            }
            return Stores.sql(db, () -> TestPostgres.dropSchema(schema));
        }
    };

    private final String displayName;

    Backend(String displayName) {
        this.displayName = displayName;
    }

    /** Empty when this backend can be used on this machine; otherwise why not. */
    abstract Optional<String> unavailable();

    /** Fresh stores for one fixture; label only names them (database, schema) for whoever debugs a leftover. */
    abstract Stores open(String label);

    /** The name test reports show: "SessionLimitTest on PostgreSQL". */
    @Override
    public String toString() {
        return displayName;
    }

    /** The stores one fixture runs on. Closing them disposes of everything the backend created for it. */
    interface Stores extends AutoCloseable {
        /** Durable state: tenants, users, lockouts, login history, API keys, signing keys, the audit trail. */
        SqlDatabase db();

        /** Sessions, their rotation grace and the per-user index. */
        SessionStore sessions();

        AttributeStore attributes();

        @Override
        void close();

        /** Everything in one SQL database; disposal runs after the database has been closed, even if closing failed. */
        static Stores sql(SqlDatabase db, Runnable disposal) {
            SqlSessionStore sessions = new SqlSessionStore(db);
            SqlAttributeStore attributes = new SqlAttributeStore(db);
            return new Stores() {
                @Override public SqlDatabase db() { return db; }
                @Override public SessionStore sessions() { return sessions; }
                @Override public AttributeStore attributes() { return attributes; }

                @Override
                public void close() {
                    try {
                        db.close();
                    } finally {
                        disposal.run();
                    }
                }

                @Override
                public String toString() { return "Stores[" + db + "]"; }
            };
        }
    }
}
