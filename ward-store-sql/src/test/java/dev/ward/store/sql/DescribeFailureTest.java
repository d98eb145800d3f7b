package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** What `ward serve` and `ward check` say when the database refuses: Ward's words, never the driver's message. */
class DescribeFailureTest {
    private static String said(String sqlState) {
        return SqlDatabase.describe(new RuntimeException(new SQLException("driver text with secrets", sqlState)));
    }

    @Test
    void eachKnownRefusalIsNamed() {
        assertThat(said("28P01")).isEqualTo("authentication failed");
        assertThat(said("3D000")).isEqualTo("the database does not exist");
        assertThat(said("53300")).startsWith("PostgreSQL has no free connection");
        assertThat(said("57P03")).isEqualTo("PostgreSQL is starting up or shutting down");
        assertThat(said("08001")).isEqualTo("cannot connect");
    }

    @Test
    void anUnknownOneGivesItsStateAndNeverTheDriversText() {
        assertThat(said("XX000")).isEqualTo("no answer (SQLState XX000)").doesNotContain("secrets");
    }
}
