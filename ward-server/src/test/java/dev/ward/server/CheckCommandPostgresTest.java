package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import java.sql.DriverManager;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ward check} in production mode only reads: it reports migrations instead of applying them, names why
 * the database does not answer, and never shows a credential of {@code WARD_DATABASE_URL}.
 */
class CheckCommandPostgresTest {
    private static final String SECRET = "hunter2-in-the-url";

    private static Map<String, String> env(String databaseUrl) {
        return Map.of("WARD_DATABASE_URL", databaseUrl, "WARD_MASTER_KEY", Base64.getEncoder().encodeToString(Secrets.randomBytes(32)));
    }

    private static long tables(String schema) throws Exception {
        try (var c = DriverManager.getConnection(PostgresSchema.SERVER); var st = c.createStatement();
             var rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + schema + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void anEmptyDatabaseIsReportedNotMigrated() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("CheckCommandPostgresTest")) {
            WardProcess.Result r = WardProcess.run(env(schema.url()), "check");
            assertThat(r.out()).as(r.all()).contains("answers").contains("migration(s) pending (V1, V2, V3, V4, V5")
                    .contains("./ward serve applies them").contains("Master key: not checked until the schema is current");
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(tables(schema.name)).as("tables after check").isZero();
        }
    }

    @Test
    void storeErrorsNameTheCauseAndNoCredential() throws Exception {
        String base = "jdbc:postgresql://127.0.0.1:5432/";
        record Case(String url, String cause) {}
        for (Case c : new Case[] {
                new Case(base + "ward_no_such_database?user=postgres&password=" + SECRET, "the database does not exist"),
                new Case(base + "test?user=ward_no_such_role&password=" + SECRET, "authentication failed"),
                new Case("jdbc:postgresql://127.0.0.1:1/test?user=postgres&password=" + SECRET, "cannot connect")}) {
            WardProcess.Result check = WardProcess.run(env(c.url()), "check");
            assertThat(check.exit()).as(check.all()).isEqualTo(1);
            assertThat(check.out()).as(check.all()).contains("— FAILS: database is unavailable: " + c.cause())
                    .contains("check the host, database, user and password of WARD_DATABASE_URL");
            assertThat(check.all()).doesNotContain(SECRET).doesNotContain("Exception");

            WardProcess.Result serve = WardProcess.run(env(c.url()), "serve", "--port", "0");
            assertThat(serve.exit()).as(serve.all()).isEqualTo(1);
            assertThat(serve.err()).contains("ward serve: database is unavailable: " + c.cause());
            assertThat(serve.all()).doesNotContain(SECRET);
        }
        WardProcess.Result userInfo = WardProcess.run(env("jdbc:postgresql://ward:" + SECRET + "@127.0.0.1:1/test"), "check");
        assertThat(userInfo.out()).contains("Database: PostgreSQL 127.0.0.1:1/test — FAILS");
        assertThat(userInfo.all()).doesNotContain(SECRET);
    }
}
