package dev.ward.server;

import dev.ward.crypto.Secrets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link AuditSearchHttpTest} on PostgreSQL: the same filters, prefix types (the recursive loose index scan), paging
 * while appending, tenant isolation and bad input, answered by the other database.
 */
class AuditSearchPostgresHttpTest extends AuditSearchHttpTest {
    static PostgresSchema schema;

    @BeforeAll
    static void start() {
        schema = PostgresSchema.create("AuditSearchPostgresHttpTest");
        seed(TestWard.onPostgres(schema.url(), Base64.getEncoder().encodeToString(Secrets.randomBytes(32))));
    }

    @AfterAll
    static void stop() throws Exception {
        w.close();
        schema.close();
    }
}
