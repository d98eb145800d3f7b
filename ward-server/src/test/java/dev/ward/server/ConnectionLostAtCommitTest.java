package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.problem.StoreUnavailableException;
import dev.ward.store.sql.SqlDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * PostgreSQL's connection lost exactly at a transaction's COMMIT, or just before the next statement of one: the store
 * failed, so the caller sees StoreUnavailableException (503), as for any other lost connection — not an unmapped
 * exception (500). Found by the fault-injection suite (FaultInjectionTest, PostgreSQL dropped at each write): a rotation,
 * an admin revoke and a disable answered 500 when the drop hit their COMMIT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionLostAtCommitTest {
    private PostgresSchema schema;
    private TcpProxy relay;
    private SqlDatabase db;

    @BeforeAll
    void start() {
        schema = PostgresSchema.create(getClass().getSimpleName());
        relay = new TcpProxy(5432);
        db = SqlDatabase.postgres("jdbc:postgresql://127.0.0.1:" + relay.port() + "/test?user=postgres&currentSchema=" + schema.name);
        db.run(h -> h.execute("CREATE TABLE notes (id INT PRIMARY KEY)"));
    }

    @AfterAll
    void stop() throws Exception {
        db.close();
        relay.close();
        schema.close();
    }

    @Test
    void aCommitWhoseConnectionIsLostIsAStoreFailureAndWritesNothing() {
        assertThatThrownBy(() -> db.atomically(() -> {
            db.run(h -> h.execute("INSERT INTO notes VALUES (1)"));
            relay.dropAfterWrites(1); // the next write is the COMMIT
            return null;
        })).isInstanceOf(StoreUnavailableException.class);
        assertThat(relay.dropFired()).isTrue();
        assertThat(schema.count("notes")).as("the COMMIT never reached PostgreSQL").isZero();
    }

    @Test
    void aStatementAfterTheConnectionWasLostIsAStoreFailure() {
        assertThatThrownBy(() -> db.atomically(() -> {
            db.run(h -> h.execute("INSERT INTO notes VALUES (2)"));
            relay.dropConnections();
            db.run(h -> h.execute("INSERT INTO notes VALUES (3)"));
            return null;
        })).isInstanceOf(StoreUnavailableException.class);
        assertThat(schema.count("notes WHERE id IN (2, 3)")).isZero();
    }
}
