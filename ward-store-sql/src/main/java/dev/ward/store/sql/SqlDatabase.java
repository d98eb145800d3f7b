package dev.ward.store.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.ward.problem.StoreDeadline;
import dev.ward.problem.StoreUnavailableException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable store: a HikariCP pool, Flyway migrations and Jdbi over H2 (embedded, a file in the
 * data directory) or PostgreSQL. Connection failures surface as {@link StoreUnavailableException}.
 */
public final class SqlDatabase implements AutoCloseable {
    public enum Dialect { H2, POSTGRESQL }

    /** The address H2's AUTO_SERVER listens on: this machine only. */
    private static final String H2_BIND_ADDRESS = "127.0.0.1";

    static {
        // H2 starts the TCP server of AUTO_SERVER with -tcpAllowOthers, on every interface unless this property names
        // one; it reads the property once, when its first class loads, so set it before any H2 class is touched.
        if (System.getProperty("h2.bindAddress") == null) {
            System.setProperty("h2.bindAddress", H2_BIND_ADDRESS);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(SqlDatabase.class);
    /** What Ward writes as the embedded database's password; anything else in its file is refused. */
    private static final Pattern H2_PASSWORD = Pattern.compile("[A-Za-z0-9_-]{32,128}");

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Dialect dialect;
    private final boolean withoutPassword;

    private SqlDatabase(HikariDataSource dataSource, Dialect dialect, boolean withoutPassword) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.withoutPassword = withoutPassword;
        this.jdbi = Jdbi.create(this::connect);
    }

    /**
     * A pooled connection whose waits fit in what is left of the request's database time ({@link StoreDeadline}): the
     * wait for the pool, and on PostgreSQL the socket's silence (set per connection; the pool puts it back to
     * {@link #STORE_WAIT} when the connection returns).
     */
    private Connection connect() throws SQLException {
        long poolWait = StoreDeadline.waitMillis(POOL_WAIT, "database");
        Connection c = poolWait >= POOL_WAIT.toMillis() ? dataSource.getConnection()
                : ((HikariPool) dataSource.getHikariPoolMXBean()).getConnection(poolWait);
        if (dialect == Dialect.POSTGRESQL) {
            try {
                long socket = StoreDeadline.waitMillis(STORE_WAIT, "database");
                if (socket < STORE_WAIT.toMillis()) {
                    c.setNetworkTimeout(Runnable::run, (int) socket);
                }
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /**
     * The embedded database {@code <dataDir>/ward.mv.db}, created when absent, migrated, and protected by
     * {@code password}. AUTO_SERVER lets CLI commands open the same file while a server runs on it: the first
     * process serves it to the others over TCP, on the loopback address only, to those who know the random id in
     * the lock file and the password. A database made before it had a password is given this one.
     */
    public static SqlDatabase embedded(Path dataDir, String password) {
        if (!H2_PASSWORD.matcher(password).matches()) {
            throw new IllegalStateException("The embedded database's password file is not one Ward wrote; restore it");
        }
        String url = h2Url(dataDir, false);
        try {
            return open(url, password, Dialect.H2, 8, true);
        } catch (StoreUnavailableException e) {
            if (!"28000".equals(sqlState(e)) || !givePassword(url, password)) {
                throw e;
            }
            log.warn("The embedded database in {} had no password; it has one now, kept in the data directory.", dataDir);
            return open(url, password, Dialect.H2, 8, true);
        }
    }

    /**
     * The embedded database as it is, for a check that only reads: never created, migrated or given a password.
     * One made before it had a password opens with none ({@link #withoutPassword()}).
     */
    public static SqlDatabase inspectEmbedded(Path dataDir, Optional<String> password) {
        String url = h2Url(dataDir, true);
        try {
            return open(url, password.orElse(""), Dialect.H2, 2, false);
        } catch (StoreUnavailableException e) {
            if (password.isEmpty() || !"28000".equals(sqlState(e))) {
                throw e;
            }
            try {
                return open(url, "", Dialect.H2, 2, false);
            } catch (StoreUnavailableException legacyRefused) {
                throw e;
            }
        }
    }

    /** Sets the password of a database that has none (H2's first user is the empty name, admin). */
    private static boolean givePassword(String url, String password) {
        try (Connection c = DriverManager.getConnection(url, "", ""); Statement s = c.createStatement()) {
            s.execute("ALTER USER \"\" SET PASSWORD '" + password + "'");
            return true;
        } catch (SQLException refused) {
            return false;
        }
    }

    private static String h2Url(Path dataDir, boolean mustExist) {
        // TRACE_LEVEL_FILE=0: no ward.trace.db, which would hold statements next to the data.
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("ward")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000"
                + ";TRACE_LEVEL_FILE=0" + (mustExist ? ";IFEXISTS=TRUE" : "");
    }

    /** PostgreSQL at a JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/ward?user=postgres}; migrated. */
    public static SqlDatabase postgres(String jdbcUrl) {
        return open(requirePostgres(jdbcUrl), null, Dialect.POSTGRESQL, 16, true);
    }

    /** PostgreSQL as it is, for a check that only reads: no migrations. */
    public static SqlDatabase inspectPostgres(String jdbcUrl) {
        return open(requirePostgres(jdbcUrl), null, Dialect.POSTGRESQL, 2, false);
    }

    private static String requirePostgres(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("expected a jdbc:postgresql: URL");
        }
        return jdbcUrl;
    }

    /** An in-memory H2 database, for tests of the SQL adapters. */
    public static SqlDatabase inMemory(String name) {
        return open("jdbc:h2:mem:" + name + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1",
                null, Dialect.H2, 8, true);
    }

    private static SqlDatabase open(String url, String password, Dialect dialect, int poolSize, boolean migrate) {
        if (dialect == Dialect.H2 && url.contains("AUTO_SERVER=TRUE")) {
            requireLoopbackServer();
        }
        HikariDataSource ds = pool(url, password, dialect, poolSize);
        try {
            if (migrate) {
                (dialect == Dialect.POSTGRESQL ? Flyway.configure().dataSource(url, null, null)
                        .locations("classpath:db/migration").load() : flyway(ds)).migrate();
            }
        } catch (FlywayException e) {
            ds.close();
            throw new StoreUnavailableException("database", describe(e), e);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new SqlDatabase(ds, dialect, "".equals(password));
    }

    /**
     * How long any one wait on PostgreSQL may last (issue 17, item 4): connecting, signing in, and silence on a socket
     * that should be answering. Without a socket timeout a connection whose packets vanish (a paused relay, a
     * partition, a frozen server) waits for TCP to give up, which took 50 s in the reliability run; the pool's own
     * timeout never applies to a connection it has already handed out.
     */
    static final Duration STORE_WAIT = Duration.ofSeconds(3);
    /** How long a request waits for a free pooled connection (new ones are opened meanwhile, each bounded as above). */
    static final Duration POOL_WAIT = Duration.ofSeconds(3);
    /** How long the pool checks an idle connection before handing it out; a dead one is dropped and the next tried. */
    static final Duration VALIDATION_TIMEOUT = Duration.ofSeconds(1);
    /**
     * A transaction left open by a client that went away (a node partitioned in the middle of a change) would hold its
     * row locks (a tenant's audit head, an account's row) until TCP noticed; PostgreSQL ends it after this instead.
     */
    static final Duration IDLE_IN_TRANSACTION = Duration.ofSeconds(10);

    /**
     * The PostgreSQL driver settings that bound every wait of a pooled connection. A query the server takes longer than
     * {@link #STORE_WAIT} to begin answering fails too: Ward's queries are small and indexed, and a request that waited
     * that long is better answered 503 than held. Migrations run on connections without the socket bound (an index
     * built on a large table may rightly take minutes).
     */
    static Map<String, String> boundedPostgres() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("connectTimeout", Long.toString(STORE_WAIT.toSeconds()));
        p.put("loginTimeout", Long.toString(STORE_WAIT.toSeconds()));
        p.put("socketTimeout", Long.toString(STORE_WAIT.toSeconds()));
        p.put("tcpKeepAlive", "true");
        p.put("options", "-c idle_in_transaction_session_timeout=" + IDLE_IN_TRANSACTION.toMillis());
        return p;
    }

    private static HikariDataSource pool(String url, String password, Dialect dialect, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (password != null) {
            config.setPassword(password);
        }
        config.setPoolName("ward-" + dialect.name().toLowerCase(Locale.ROOT));
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(POOL_WAIT.toMillis());
        config.setValidationTimeout(VALIDATION_TIMEOUT.toMillis());
        if (dialect == Dialect.POSTGRESQL) {
            boundedPostgres().forEach(config::addDataSourceProperty);
        }
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("database", describe(e), e);
        }
    }

    private static void requireLoopbackServer() {
        String bind = org.h2.engine.SysProperties.BIND_ADDRESS;
        try {
            if (bind != null && InetAddress.getByName(bind).isLoopbackAddress()) {
                return;
            }
        } catch (UnknownHostException e) {
            // refused below
        }
        throw new IllegalStateException("The embedded database would be served beyond this machine (h2.bindAddress="
                + bind + "); leave that system property unset");
    }

    private static Flyway flyway(DataSource ds) {
        return Flyway.configure().dataSource(ds).locations("classpath:db/migration").load();
    }

    /** The migrations this database has not had yet, e.g. {@code [4, 5]}; a check reports them. */
    public List<String> pendingMigrations() {
        try {
            return Arrays.stream(flyway(dataSource).info().pending()).map(m -> m.getVersion().getVersion()).toList();
        } catch (FlywayException e) {
            throw new StoreUnavailableException("database", describe(e), e);
        }
    }

    /** A database made before the embedded database had a password, opened as it is by a check. */
    public boolean withoutPassword() { return withoutPassword; }

    /**
     * What went wrong, for an operator, in words of Ward's own: never a driver message, which may carry a URL with a
     * password, SQL or values.
     */
    static String describe(Throwable e) {
        String state = sqlState(e);
        if (state == null) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.ConnectException || t instanceof UnknownHostException) {
                    return "cannot connect";
                }
            }
            return "no answer (" + e.getClass().getSimpleName() + ")";
        }
        return switch (state) {
            case "28000", "28P01" -> "authentication failed";
            case "3D000", "90146" -> "the database does not exist";
            case "90020" -> "the database file is in use by a program that does not share it";
            case "3F000" -> "the schema does not exist";
            case "53300" -> "PostgreSQL has no free connection (max_connections reached; each node's pool takes up to 16)";
            case "57P03" -> "PostgreSQL is starting up or shutting down";
            default -> state.startsWith("08") ? "cannot connect" : "no answer (SQLState " + state + ")";
        };
    }

    /** The SQLState of the first SQLException among the causes, if any. */
    private static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    public Dialect dialect() { return dialect; }

    /**
     * The transaction {@link #atomically} opened on this thread, while it runs. Scoped by that call (set and removed in
     * {@code try/finally}), so it never outlives the change or reaches another request; every store call made inside
     * the change uses it (docs/decisions/0010-audit-chain.md).
     */
    private final ThreadLocal<Bound> bound = new ThreadLocal<>();

    /** A transaction bound to a thread, and what must be written into it just before it commits. */
    private static final class Bound {
        final Handle handle;
        final List<java.util.function.Consumer<Handle>> beforeCommit = new java.util.ArrayList<>();
        int savepoints;

        Bound(Handle handle) { this.handle = handle; }
    }

    /**
     * Runs {@code change} in one transaction: every store call it makes on this thread joins it, and what is registered
     * with {@link #beforeCommit} (the audit events) is written at its end, so the change and its events commit together
     * or not at all. A call inside another joins the outer transaction.
     */
    public <T> T atomically(java.util.function.Supplier<T> change) {
        if (bound.get() != null) {
            return change.get();
        }
        return call(h -> h.inTransaction(tx -> {
            Bound b = new Bound(tx);
            bound.set(b);
            try {
                T result = change.get();
                for (int i = 0; i < b.beforeCommit.size(); i++) {
                    b.beforeCommit.get(i).accept(tx);
                }
                return result;
            } finally {
                bound.remove();
            }
        }));
    }

    /** Whether this thread is inside {@link #atomically}. */
    boolean inTransactionHere() {
        return bound.get() != null;
    }

    /** Work to do in this thread's transaction just before it commits; only inside {@link #atomically}. */
    void beforeCommit(java.util.function.Consumer<Handle> work) {
        Bound b = bound.get();
        if (b == null) {
            throw new IllegalStateException("beforeCommit outside a transaction");
        }
        b.beforeCommit.add(work);
    }

    /**
     * A connection of its own, outside the pool and with the pool's credentials, for work that keeps one open
     * indefinitely (a LISTEN); {@code properties} add driver settings. The caller closes it.
     */
    Connection openDedicated(Properties properties) throws SQLException {
        Properties all = new Properties();
        all.putAll(dataSource.getDataSourceProperties());
        all.putAll(properties); // the caller's own bounds (a listener's socket timeout) over the pool's
        if (dataSource.getUsername() != null) {
            all.setProperty("user", dataSource.getUsername());
        }
        if (dataSource.getPassword() != null) {
            all.setProperty("password", dataSource.getPassword());
        }
        return DriverManager.getConnection(dataSource.getJdbcUrl(), all);
    }

    /** Runs work on one handle (this thread's transaction, if any); connection loss becomes StoreUnavailableException. */
    public <R> R call(HandleCallback<R, RuntimeException> work) {
        Bound b = bound.get();
        // The outermost call is charged to the request's database time (StoreDeadline); calls inside it are part of it.
        long start = b == null ? System.nanoTime() : 0;
        try {
            return b != null ? work.withHandle(b.handle) : jdbi.withHandle(work);
        } catch (ConnectionException e) {
            throw new StoreUnavailableException("database", e);
        } catch (UnableToExecuteStatementException e) {
            if (isConnectionFailure(e.getCause())) {
                throw new StoreUnavailableException("database", e);
            }
            throw e;
        } catch (org.jdbi.v3.core.JdbiException e) {
            // The connection lost at the COMMIT (TransactionException), or between two statements (the next one cannot
            // even be prepared on a closed connection): the store failed, not the request — 503, never 500. A commit
            // whose answer was lost is in doubt; the caller's records and intents treat it as not made (decision 0011).
            if (isConnectionFailure(e.getCause())) {
                throw new StoreUnavailableException("database", e);
            }
            throw e;
        } finally {
            if (b == null) {
                StoreDeadline.charge(System.nanoTime() - start);
            }
        }
    }

    /** Work on a plain JDBC connection. */
    @FunctionalInterface
    interface ConnectionWork<R> {
        R apply(Connection c) throws SQLException;
    }

    /**
     * Runs work on a pooled connection in autocommit (this thread's transaction's, if any) without a Jdbi handle: for the
     * hot path (validation), where a handle's set-up, statement context and mapping cost more allocation and time than
     * the statement itself. Failures surface as {@link #call} surfaces them.
     */
    <R> R withConnection(ConnectionWork<R> work) {
        if (bound.get() != null) {
            return call(h -> {
                try {
                    return work.apply(h.getConnection());
                } catch (SQLException e) {
                    throw new UnableToExecuteStatementException(e, null);
                }
            });
        }
        long start = System.nanoTime();
        try (Connection c = connect()) {
            return work.apply(c);
        } catch (SQLException e) {
            if (isConnectionFailure(e)) {
                throw new StoreUnavailableException("database", e);
            }
            throw new UnableToExecuteStatementException(e, null);
        } finally {
            StoreDeadline.charge(System.nanoTime() - start);
        }
    }

    /** Runs work in one transaction. */
    public <R> R inTransaction(HandleCallback<R, RuntimeException> work) {
        return call(h -> h.inTransaction(work));
    }

    public void run(java.util.function.Consumer<Handle> work) {
        call(h -> {
            work.accept(h);
            return null;
        });
    }

    /** Answers whether the database accepts a trivial query right now. */
    public boolean ping() {
        try {
            return call(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one() == 1);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Runs an INSERT; false, with nothing written, when it would break a unique constraint. */
    boolean insertUnlessDuplicate(java.util.function.Consumer<Handle> insert) {
        return unlessDuplicate(h -> {
            insert.accept(h);
            return true;
        });
    }

    /**
     * Runs writes in one transaction (this thread's, if {@link #atomically} opened one); false, with none of them
     * written, when one would break a unique constraint. Inside an enclosing transaction the writes get a savepoint,
     * since PostgreSQL aborts the whole transaction at the first failed statement.
     */
    boolean unlessDuplicate(HandleCallback<Boolean, RuntimeException> writes) {
        Bound b = bound.get();
        String savepoint = b == null ? null : "ward_write_" + (++b.savepoints);
        try {
            if (savepoint == null) {
                return inTransaction(writes);
            }
            b.handle.savepoint(savepoint);
            boolean done = writes.withHandle(b.handle);
            b.handle.releaseSavepoint(savepoint);
            return done;
        } catch (org.jdbi.v3.core.statement.StatementException e) {
            if (isUniqueViolation(e)) {
                if (savepoint != null) {
                    b.handle.rollbackToSavepoint(savepoint);
                }
                return false;
            }
            throw e;
        }
    }

    static boolean isUniqueViolation(RuntimeException e) {
        return e.getCause() instanceof SQLException sql && "23505".equals(sql.getSQLState());
    }

    private static boolean isConnectionFailure(Throwable t) {
        if (t instanceof SQLTransientConnectionException) {
            return true;
        }
        return t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08");
    }

    @Override
    public void close() {
        dataSource.close();
    }

    @Override
    public String toString() { return "SqlDatabase[" + dialect + "]"; }
}
