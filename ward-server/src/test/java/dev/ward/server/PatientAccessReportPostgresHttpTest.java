package dev.ward.server;

import dev.ward.crypto.Secrets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link PatientAccessReportContract} on PostgreSQL: the forward walk of the patient index answered by the other database. */
class PatientAccessReportPostgresHttpTest extends PatientAccessReportContract {
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
}
