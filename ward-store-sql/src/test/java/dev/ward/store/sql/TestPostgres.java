package dev.ward.store.sql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL the tests run on: {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres} unless the
 * system property {@code ward.test.postgres} or the environment variable {@code WARD_TEST_POSTGRES_URL}
 * names another server. Every fixture gets a schema of its own
 * ({@code ward_test_<label>_<created, epoch seconds base 36>_<random>}), created empty and dropped when the
 * fixture closes. A shutdown hook drops any this JVM still holds (a fixture that never got closed), and
 * the first connection of a run drops schemas of that form older than {@link #STALE} (a run that was
 * killed), so schemas do not pile up.
 */
final class TestPostgres {
    static final String SERVER = configuredServer();
    static final String SCHEMA_PREFIX = "ward_test_";
    /** Only schemas named by {@link #createSchema}: the creation time is group 1. */
    private static final Pattern OURS = Pattern.compile("^ward_test_(?:[a-z0-9]{1,20}_)?([0-9a-z]{6,8})_[0-9a-f]{12}$");
    /** Far longer than any run: a schema this old belongs to a run that is gone. */
    static final Duration STALE = Duration.ofHours(6);

    /** Schemas this JVM created and has not dropped yet. */
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile Optional<String> unreachable;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestPostgres::dropLeftovers, "ward-test-postgres-cleanup"));
    }

    private TestPostgres() {}

    private static String configuredServer() {
        String url = System.getProperty("ward.test.postgres");
        if (url == null || url.isBlank()) {
            url = System.getenv("WARD_TEST_POSTGRES_URL");
        }
        return url == null || url.isBlank() ? "jdbc:postgresql://127.0.0.1:5432/test?user=postgres" : url.strip();
    }

    /** url with one more query parameter. */
    static String withParameter(String url, String parameter) {
        return url + (url.contains("?") ? "&" : "?") + parameter;
    }

    /** Where the server is, for messages (the URL without its parameters). */
    static String where() {
        int q = SERVER.indexOf('?');
        return (q < 0 ? SERVER : SERVER.substring(0, q)).replaceFirst("^jdbc:postgresql://", "");
    }

    /** Empty when PostgreSQL answers; otherwise why not. Asked once per JVM (a 3 s connect timeout). */
    static Optional<String> unreachable() {
        Optional<String> answer = unreachable;
        if (answer == null) {
            synchronized (TestPostgres.class) {
                answer = unreachable;
                if (answer == null) {
                    answer = probe();
                    unreachable = answer;
                }
            }
        }
        return answer;
    }

    private static Optional<String> probe() {
        try (Connection c = DriverManager.getConnection(withParameter(SERVER, "connectTimeout=3"))) {
            if (!c.isValid(3)) {
                return Optional.of("PostgreSQL at " + where() + " does not answer");
            }
            dropStale(c);
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("PostgreSQL not reachable at " + where() + " (SQLState " + e.getSQLState() + ": "
                    + e.getMessage() + ")");
        }
    }

    /** Drops schemas that earlier, killed runs left behind; never one younger than STALE. */
    private static void dropStale(Connection c) throws SQLException {
        List<String> stale = new ArrayList<>();
        long now = Instant.now().getEpochSecond();
        try (var st = c.createStatement();
                var rs = st.executeQuery("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ward\\_test\\_%'")) {
            while (rs.next()) {
                Matcher m = OURS.matcher(rs.getString(1));
                if (m.matches() && now - Long.parseLong(m.group(1), 36) > STALE.toSeconds()) {
                    stale.add(rs.getString(1));
                }
            }
        }
        for (String schema : stale) {
            try (var st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                System.err.println("ward tests: dropped stale PostgreSQL schema " + schema + " (older than " + STALE.toHours() + " h)");
            } catch (SQLException e) {
                System.err.println("ward tests: could not drop stale PostgreSQL schema " + schema + ": " + e.getMessage());
            }
        }
    }

    /** Creates an empty schema and returns its name; label only makes a leftover recognisable. */
    static String createSchema(String label) {
        String clean = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        if (clean.length() > 20) {
            clean = clean.substring(0, 20);
        }
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        String schema = SCHEMA_PREFIX + (clean.isEmpty() ? "" : clean + "_")
                + Long.toString(Instant.now().getEpochSecond(), 36) + "_" + HexFormat.of().formatHex(random);
        execute("CREATE SCHEMA " + schema);
        LIVE.add(schema);
        return schema;
    }

    /** The JDBC URL of a connection whose tables live in schema. */
    static String urlOf(String schema) {
        return withParameter(SERVER, "currentSchema=" + schema);
    }

    /** Drops schema and all it holds. */
    static void dropSchema(String schema) {
        if (!schema.startsWith(SCHEMA_PREFIX)) {
            throw new IllegalArgumentException("not a test schema: " + schema);
        }
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        LIVE.remove(schema);
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection(withParameter(SERVER, "connectTimeout=3"));
                var st = c.createStatement()) {
            // Never wait forever on a lock a stuck connection still holds.
            st.execute("SET lock_timeout = '15s'");
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on PostgreSQL at " + where() + ": " + e.getMessage(), e);
        }
    }

    private static void dropLeftovers() {
        for (String schema : Set.copyOf(LIVE)) {
            try {
                dropSchema(schema);
                System.err.println("ward tests: dropped PostgreSQL schema " + schema + " that a fixture left behind");
            } catch (RuntimeException e) {
                System.err.println("ward tests: could not drop PostgreSQL schema " + schema + ": " + e.getMessage());
            }
        }
    }
}
