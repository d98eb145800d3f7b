package dev.ward.store.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ward.problem.StoreUnavailableException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The durable store: a HikariCP pool, Flyway migrations and Jdbi over H2 (embedded, a file in the
 * data directory) or PostgreSQL. Connection failures surface as {@link StoreUnavailableException}.
 */
public final class SqlDatabase implements AutoCloseable {
    public enum Dialect { H2, POSTGRESQL }

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Dialect dialect;

    private SqlDatabase(HikariDataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.jdbi = Jdbi.create(dataSource);
    }

    /**
     * The embedded database: {@code <dataDir>/ward.mv.db}. AUTO_SERVER lets CLI commands open the same
     * file while a server runs on it.
     */
    public static SqlDatabase embedded(Path dataDir) {
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("ward")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000";
        return open(url, Dialect.H2, 8);
    }

    /** PostgreSQL at a JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/ward?user=postgres}. */
    public static SqlDatabase postgres(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("expected a jdbc:postgresql: URL");
        }
        return open(jdbcUrl, Dialect.POSTGRESQL, 16);
    }

    /** An in-memory H2 database, for tests of the SQL adapters. */
    public static SqlDatabase inMemory(String name) {
        return open("jdbc:h2:mem:" + name + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1",
                Dialect.H2, 8);
    }

    private static SqlDatabase open(String url, Dialect dialect, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("ward-" + dialect.name().toLowerCase());
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(Duration.ofSeconds(3).toMillis());
        config.setValidationTimeout(Duration.ofSeconds(2).toMillis());
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreUnavailableException("database", e);
        }
        try {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new SqlDatabase(ds, dialect);
    }

    public Dialect dialect() { return dialect; }

    /**
     * A connection of its own, outside the pool and with the pool's credentials, for work that keeps one open
     * indefinitely (a LISTEN); {@code properties} add driver settings. The caller closes it.
     */
    Connection openDedicated(Properties properties) throws SQLException {
        Properties all = new Properties();
        all.putAll(properties);
        all.putAll(dataSource.getDataSourceProperties());
        if (dataSource.getUsername() != null) {
            all.setProperty("user", dataSource.getUsername());
        }
        if (dataSource.getPassword() != null) {
            all.setProperty("password", dataSource.getPassword());
        }
        return DriverManager.getConnection(dataSource.getJdbcUrl(), all);
    }

    /** Runs work on one handle; connection loss becomes StoreUnavailableException. */
    public <R> R call(HandleCallback<R, RuntimeException> work) {
        try {
            return jdbi.withHandle(work);
        } catch (ConnectionException e) {
            throw new StoreUnavailableException("database", e);
        } catch (UnableToExecuteStatementException e) {
            if (isConnectionFailure(e.getCause())) {
                throw new StoreUnavailableException("database", e);
            }
            throw e;
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
        try {
            run(insert);
            return true;
        } catch (org.jdbi.v3.core.statement.StatementException e) {
            if (isUniqueViolation(e)) {
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
