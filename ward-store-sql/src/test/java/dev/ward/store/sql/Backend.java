package dev.ward.store.sql;

import dev.ward.patient.PatientStore;
import dev.ward.session.AttributeStore;
import dev.ward.session.SessionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A store backend the contract suites ({@link StoreContract}) run on. Each one hands every fixture
 * {@link Stores} of its own, empty and migrated, and disposes of them when the fixture closes.
 *
 * <p>The Redis backends keep sessions and attributes in a real Redis (standalone, or a 3-master cluster)
 * that the suite run starts on loopback ports and stops at exit, each fixture under a key prefix of its own;
 * durable state stays in SQL (an in-memory H2 here; production pairs Redis with PostgreSQL, which the
 * server's multi-node test covers).
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
    },

    REDIS("Redis") {
        @Override
        Optional<String> unavailable() {
            return RedisBackend.STANDALONE.unavailable();
        }

        @Override
        Stores open(String label) {
            return RedisBackend.STANDALONE.open(SqlDatabase.inMemory(label + "-" + UUID.randomUUID()));
        }
    },

    REDIS_CLUSTER("Redis Cluster") {
        @Override
        Optional<String> unavailable() {
            return RedisBackend.CLUSTER.unavailable();
        }

        @Override
        Stores open(String label) {
            return RedisBackend.CLUSTER.open(SqlDatabase.inMemory(label + "-" + UUID.randomUUID()));
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

        /** Patient contexts and their sealed data. */
        PatientStore patients();

        /** A patient data value's sealed form as stored, or null. */
        String storedPatientData(String sessionId, String patientId, String key);

        /** Writes a sealed patient data value directly, past the service (to move ciphertexts around). */
        void plantPatientData(String sessionId, String patientId, String key, String sealed);

        // What the suites check underneath the services, whatever holds the sessions.

        /** Session records held, live or ended. */
        long sessionCount();

        /** The SHA-256 the backend holds for a session's current token. */
        String storedTokenHash(String sessionId);

        /** An attribute's sealed value as stored, or null. */
        String storedAttribute(String sessionId, String name);

        long storedAttributeCount(String sessionId);

        /** Writes a sealed value directly, past the service (to move ciphertexts around). */
        void plantAttribute(String sessionId, String name, String sealed);

        /** Every name and value the session backend holds (columns or keys), as strings. */
        List<String> dumpSessions();

        @Override
        void close();

        /** Everything in one SQL database; disposal runs after the database has been closed, even if closing failed. */
        static Stores sql(SqlDatabase db, Runnable disposal) {
            SqlSessionStore sessions = new SqlSessionStore(db);
            SqlAttributeStore attributes = new SqlAttributeStore(db);
            SqlPatientStore patients = new SqlPatientStore(db);
            return new Stores() {
                @Override public PatientStore patients() { return patients; }

                @Override
                public String storedPatientData(String sessionId, String patientId, String key) {
                    return db.call(h -> h.createQuery("SELECT sealed_value FROM patient_data WHERE session_id = :s "
                                    + "AND patient_id = :p AND name = :n").bind("s", sessionId).bind("p", patientId).bind("n", key)
                            .mapTo(String.class).findOne().orElse(null));
                }

                @Override
                public void plantPatientData(String sessionId, String patientId, String key, String sealed) {
                    db.run(h -> {
                        h.createUpdate("DELETE FROM patient_data WHERE session_id = :s AND patient_id = :p AND name = :n")
                                .bind("s", sessionId).bind("p", patientId).bind("n", key).execute();
                        h.createUpdate("INSERT INTO patient_data (session_id, patient_id, name, sealed_value, updated_at) "
                                        + "VALUES (:s, :p, :n, :v, 0)")
                                .bind("s", sessionId).bind("p", patientId).bind("n", key).bind("v", sealed).execute();
                    });
                }

                @Override public SqlDatabase db() { return db; }
                @Override public SessionStore sessions() { return sessions; }
                @Override public AttributeStore attributes() { return attributes; }

                @Override
                public long sessionCount() {
                    return db.call(h -> h.createQuery("SELECT COUNT(*) FROM sessions").mapTo(Long.class).one());
                }

                @Override
                public String storedTokenHash(String sessionId) {
                    return db.call(h -> h.createQuery("SELECT token_hash FROM sessions WHERE id = :id").bind("id", sessionId)
                            .mapTo(String.class).findOne().orElse(null));
                }

                @Override
                public String storedAttribute(String sessionId, String name) {
                    return db.call(h -> h.createQuery("SELECT sealed_value FROM session_attributes WHERE session_id = :s AND name = :n")
                            .bind("s", sessionId).bind("n", name).mapTo(String.class).findOne().orElse(null));
                }

                @Override
                public long storedAttributeCount(String sessionId) {
                    return db.call(h -> h.createQuery("SELECT COUNT(*) FROM session_attributes WHERE session_id = :s")
                            .bind("s", sessionId).mapTo(Long.class).one());
                }

                @Override
                public void plantAttribute(String sessionId, String name, String sealed) {
                    db.run(h -> h.createUpdate("INSERT INTO session_attributes (session_id, name, sealed_value, updated_at) "
                            + "VALUES (:s, :n, :v, 0)").bind("s", sessionId).bind("n", name).bind("v", sealed).execute());
                }

                @Override
                public List<String> dumpSessions() {
                    List<String> all = new ArrayList<>();
                    for (String table : List.of("sessions", "session_attributes", "patient_contexts", "patient_data")) {
                        db.call(h -> h.createQuery("SELECT * FROM " + table).mapToMap().list()).forEach(row -> row.forEach((k, v) -> {
                            all.add(k);
                            all.add(String.valueOf(v));
                        }));
                    }
                    return all;
                }

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
