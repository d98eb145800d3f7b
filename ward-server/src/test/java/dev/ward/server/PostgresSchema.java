package dev.ward.server;

import dev.ward.crypto.Secrets;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A fresh schema on the machine's PostgreSQL (127.0.0.1:5432, database {@code test}) for one test class,
 * dropped afterwards. When PostgreSQL is not reachable the test is skipped, loudly; CI makes sure it is.
 */
final class PostgresSchema implements AutoCloseable {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    final String name;

    private PostgresSchema(String name) { this.name = name; }

    static PostgresSchema create(String suite) {
        try (var c = DriverManager.getConnection(SERVER + "&connectTimeout=3")) {
            String name = "ward_" + Secrets.newId("").substring(0, 12);
            try (var st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + name);
            }
            return new PostgresSchema(name);
        } catch (SQLException e) {
            System.err.println("SKIPPED SUITE " + suite + ": PostgreSQL not reachable at 127.0.0.1:5432 (" + e.getSQLState() + ")");
            throw new org.opentest4j.TestAbortedException("PostgreSQL not reachable at 127.0.0.1:5432");
        }
    }

    String url() { return SERVER + "&currentSchema=" + name; }

    @Override
    public void close() throws SQLException {
        try (var c = DriverManager.getConnection(SERVER); var st = c.createStatement()) {
            st.execute("DROP SCHEMA " + name + " CASCADE");
        }
    }
}
