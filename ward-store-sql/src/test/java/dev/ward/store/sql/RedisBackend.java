package dev.ward.store.sql;

import dev.ward.patient.PatientStore;
import dev.ward.session.AttributeStore;
import dev.ward.session.SessionStore;
import dev.ward.store.redis.RedisAttributeStore;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisPatientStore;
import dev.ward.store.redis.RedisServers;
import dev.ward.store.redis.RedisSessionStore;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A real Redis (standalone, or a 3-master cluster) for the contract suites: started on first use on
 * loopback ports, shared by every fixture of the run under a key prefix of its own, stopped at exit.
 */
enum RedisBackend {
    STANDALONE(false),
    CLUSTER(true);

    private final boolean cluster;
    private RedisServers servers;
    private RedisConnection connection;
    private String failure;

    RedisBackend(boolean cluster) {
        this.cluster = cluster;
    }

    synchronized Optional<String> unavailable() {
        Optional<String> missing = RedisServers.unavailable();
        if (missing.isPresent()) {
            return missing;
        }
        start();
        return Optional.ofNullable(failure);
    }

    private void start() {
        if (connection != null || failure != null) {
            return;
        }
        try {
            servers = cluster ? RedisServers.cluster("store contract") : RedisServers.standalone("store contract");
            connection = RedisConnection.open(RedisEndpoint.parse(servers.url()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                connection.close();
                servers.close();
            }, "stop-test-redis"));
        } catch (RuntimeException e) {
            failure = (cluster ? "Redis Cluster" : "Redis") + " could not be started: " + e.getMessage();
            if (servers != null) {
                servers.close();
            }
        }
    }

    synchronized Backend.Stores open(SqlDatabase db) {
        start();
        if (connection == null) {
            db.close();
            throw new IllegalStateException(failure);
        }
        String prefix = "ward-test:" + UUID.randomUUID() + ":";
        RedisConnection redis = connection;
        RedisSessionStore sessions = new RedisSessionStore(redis, prefix);
        RedisAttributeStore attributes = new RedisAttributeStore(redis, sessions, prefix);
        RedisPatientStore patients = new RedisPatientStore(redis, sessions, prefix);
        return new Backend.Stores() {
            @Override public PatientStore patients() { return patients; }

            @Override
            public String storedPatientData(String sessionId, String patientId, String key) {
                return redis.call(r -> r.hget(patients.keyOfData(sessionId, patientId), key));
            }

            @Override
            public void plantPatientData(String sessionId, String patientId, String key, String sealed) {
                redis.call(r -> r.hset(patients.keyOfData(sessionId, patientId), key, sealed));
            }

            @Override public SqlDatabase db() { return db; }
            @Override public SessionStore sessions() { return sessions; }
            @Override public AttributeStore attributes() { return attributes; }

            @Override
            public long sessionCount() {
                return keys(sessions.patternOfSessions()).size();
            }

            @Override
            public String storedTokenHash(String sessionId) {
                return sessions.tokenHashOf(sessionId).orElse(null);
            }

            @Override
            public String storedAttribute(String sessionId, String name) {
                return redis.call(r -> r.hget(sessions.keyOfAttributes(sessionId), name));
            }

            @Override
            public long storedAttributeCount(String sessionId) {
                return redis.call(r -> r.hlen(sessions.keyOfAttributes(sessionId)));
            }

            @Override
            public void plantAttribute(String sessionId, String name, String sealed) {
                redis.call(r -> r.hset(sessions.keyOfAttributes(sessionId), name, sealed));
            }

            @Override
            public List<String> dumpSessions() {
                List<String> all = new ArrayList<>();
                for (String key : keys(prefix + "*")) {
                    all.add(key);
                    switch (redis.call(r -> r.type(key))) {
                        case "string" -> all.add(redis.call(r -> r.get(key)));
                        case "hash" -> redis.call(r -> r.hgetall(key)).forEach((k, v) -> {
                            all.add(k);
                            all.add(v);
                        });
                        case "zset" -> all.addAll(redis.call(r -> r.zrange(key, 0, -1)));
                        case "set" -> all.addAll(redis.call(r -> r.smembers(key)));
                        default -> { }
                    }
                }
                return all;
            }

            /** SCAN over every node (on a cluster, Lettuce walks each master in turn). */
            private List<String> keys(String pattern) {
                return redis.call(r -> {
                    List<String> keys = new ArrayList<>();
                    ScanIterator.scan(r, ScanArgs.Builder.matches(pattern).limit(1000)).forEachRemaining(keys::add);
                    return keys;
                });
            }

            @Override
            public void close() {
                db.close();
            }

            @Override
            public String toString() { return "Stores[" + db + ", " + sessions + "]"; }
        };
    }

    @Override
    public String toString() { return cluster ? "Redis Cluster" : "Redis"; }
}
