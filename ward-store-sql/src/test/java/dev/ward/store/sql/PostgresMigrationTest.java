package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ward.session.Admission;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same Flyway migrations and the hot-path statement on a real PostgreSQL ({@link TestPostgres}:
 * 127.0.0.1:5432, database {@code test}), each run in a fresh schema dropped afterwards. Skipped, loudly,
 * when PostgreSQL is not reachable; CI starts it and fails if it cannot. The service-level suites run on
 * PostgreSQL too, through {@link StoreContract}.
 */
class PostgresMigrationTest {
    static String schema;
    static SqlDatabase db;

    @BeforeAll
    static void createSchema() {
        var why = TestPostgres.unreachable();
        why.ifPresent(reason -> System.err.println("SKIPPED SUITE PostgresMigrationTest: " + reason));
        assumeTrue(why.isEmpty(), () -> why.orElseThrow());
        schema = TestPostgres.createSchema("migration");
        db = SqlDatabase.postgres(TestPostgres.urlOf(schema));
    }

    @AfterAll
    static void dropSchema() {
        try {
            if (db != null) {
                db.close();
            }
        } finally {
            if (schema != null) {
                TestPostgres.dropSchema(schema);
            }
        }
    }

    @Test
    void migrationsApplyAndTheStoresWork() {
        assertThat(db.ping()).isTrue();
        var tenants = new SqlTenantStore(db);
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        assertThat(tenants.insert(new Tenant("pg", "PG", Policy.defaults(), 1, now))).isTrue();
        assertThat(tenants.insert(new Tenant("pg", "PG", Policy.defaults(), 1, now))).isFalse();
        assertThat(tenants.find("pg").orElseThrow().policy()).isEqualTo(Policy.defaults());

        var sessions = new SqlSessionStore(db);
        var s = new Session("ses_pg", "pg", "usr_pg", "u", List.of("staff"), 1, now, now, now.plusSeconds(60),
                now.plusSeconds(3600), 0, new Client("127.0.0.1", "ua"), null, null, now, 0, false);
        assertThat(sessions.admit(s, "h".repeat(64), Duration.ofSeconds(60), 3, Policy.OnLimit.REJECT, now))
                .isEqualTo(new Admission.Admitted(List.of()));
        var touched = sessions.touch(byHash("h"), "pg", now.plusSeconds(30));
        assertThat(touched).isInstanceOf(Lookup.Touched.class);
        assertThat(((Lookup.Touched) touched).session().uses()).isEqualTo(1);
        assertThat(((Lookup.Touched) touched).session().idleExpiresAt()).isEqualTo(now.plusSeconds(90));
        assertThat(sessions.touch(byHash("h"), null, now.plusSeconds(200))).isInstanceOf(Lookup.Expired.class);
        assertThat(sessions.touch(byHash("h"), "other", now.plusSeconds(40))).isInstanceOf(Lookup.OtherTenant.class);
        assertThat(sessions.rotate("ses_pg", "h".repeat(64), "n".repeat(64), now.plusSeconds(40), now.plusSeconds(70))).isTrue();
        assertThat(sessions.rotate("ses_pg", "h".repeat(64), "x".repeat(64), now.plusSeconds(40), now.plusSeconds(70))).isFalse();
        assertThat(sessions.touch(byHash("h"), "pg", now.plusSeconds(50))).isInstanceOf(Lookup.Touched.class)
                .satisfies(t -> assertThat(((Lookup.Touched) t).current()).isFalse());
        assertThat(sessions.touch(byHash("n"), null, now.plusSeconds(60))).isInstanceOf(Lookup.Touched.class);
        assertThat(sessions.touch(byHash("h"), "pg", now.plusSeconds(71))).isInstanceOf(Lookup.Superseded.class);
        assertThat(sessions.live("pg", null, now.plusSeconds(60), 10)).extracting(Session::id).containsExactly("ses_pg");
        var attributes = new SqlAttributeStore(db);
        assertThat(attributes.put("ses_pg", "k", "m1:sealed", now, 64)).isTrue();
        assertThat(attributes.get("ses_pg", "k")).contains("m1:sealed");
        assertThat(sessions.countForCleanup(CleanupCriteria.ended(), now.plusSeconds(60))).isEmpty();
        assertThat(sessions.countForCleanup(new CleanupCriteria(CleanupCriteria.Selection.ALL, null, "pg"), now.plusSeconds(60)))
                .containsExactly(java.util.Map.entry("pg", 1L));
        assertThat(sessions.revoke("ses_pg", "logout", now.plusSeconds(61))).isTrue();
        assertThat(attributes.get("ses_pg", "k")).isEmpty();
        assertThat(sessions.nextForCleanup(CleanupCriteria.ended(), now.plusSeconds(62), 10)).extracting(Session::id)
                .containsExactly("ses_pg");
        assertThat(sessions.delete("ses_pg")).isTrue();
        new SqlAuditStore(db).append(now, List.of(dev.ward.audit.AuditEntry.of("pg", "test.event").build()));
        assertThat(new SqlAuditStore(db).recent("pg", "test.event", 1)).singleElement()
                .satisfies(e -> assertThat(e.seq()).isEqualTo(1));
    }

    /** A token as the SQL store sees it: its hash alone (it ignores route and session id). */
    private static dev.ward.session.SessionToken byHash(String digit) {
        return new dev.ward.session.SessionToken(digit.repeat(64), 0, java.util.Optional.empty());
    }
}
