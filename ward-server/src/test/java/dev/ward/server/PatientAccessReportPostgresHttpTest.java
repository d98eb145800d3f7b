package dev.ward.server;

import dev.ward.crypto.Secrets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** {@link PatientAccessReportHttpTest} on PostgreSQL: the forward walk of the patient index answered by the other database. */
class PatientAccessReportPostgresHttpTest extends PatientAccessReportHttpTest {
    static PostgresSchema schema;

    @BeforeAll
    static void start() {
        schema = PostgresSchema.create("PatientAccessReportPostgresHttpTest");
        seed(TestWard.onPostgres(schema.url(), Base64.getEncoder().encodeToString(Secrets.randomBytes(32))));
    }

    @AfterAll
    static void stop() throws Exception {
        w.close();
        schema.close();
    }

    @Override
    @Test
    @Disabled("the command finds PostgreSQL through WARD_DATABASE_URL in its environment; the embedded run covers it")
    void theCommandWritesTheReportToAFile() {}

    @Override
    @Test
    @Disabled("starts an embedded Ward of its own; the embedded run covers it")
    void aLocationIsTheRecordedOneElseLookedUp() {}
}
