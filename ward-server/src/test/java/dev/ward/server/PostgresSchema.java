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

    /** Rows of one of this schema's tables, e.g. {@code count("sessions")} or {@code count("audit_events WHERE type = 'x'")}. */
    long count(String table) {
        try (var c = DriverManager.getConnection(url()); var st = c.createStatement();
             var rs = st.executeQuery("SELECT COUNT(*) FROM " + name + "." + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws SQLException {
        try (var c = DriverManager.getConnection(SERVER); var st = c.createStatement()) {
            st.execute("DROP SCHEMA " + name + " CASCADE");
        }
    }
}
