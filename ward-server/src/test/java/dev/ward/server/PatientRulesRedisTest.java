package dev.ward.server;

import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.util.Base64;

/** {@link PatientRulesContract} on two production nodes sharing PostgreSQL and a private Redis. */
class PatientRulesRedisTest extends PatientRulesContract {
    private PostgresSchema schema;
    private RedisServers redis;

    @Override
    void startNodes() {
        schema = PostgresSchema.create(getClass().getSimpleName());
        redis = RedisServers.standalone(getClass().getSimpleName());
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        a = TestWard.onPostgresAndRedis(schema.url(), master, redis.url());
        b = TestWard.onPostgresAndRedis(schema.url(), master, redis.url());
    }

    @Override
    void stopNodes() {
        for (TestWard w : new TestWard[] {a, b}) {
            if (w != null) {
                w.close();
            }
        }
        try {
            if (schema != null) {
                schema.close();
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        if (redis != null) {
            redis.close();
        }
    }
}
