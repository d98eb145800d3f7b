package dev.ward.server;

/** Two nodes sharing one PostgreSQL, sessions in it too. */
class MultiNodePostgresTest extends MultiNodeContract {
    @Override
    TestWard node(String jdbcUrl, String masterKey) {
        return TestWard.onPostgres(jdbcUrl, masterKey);
    }
}
