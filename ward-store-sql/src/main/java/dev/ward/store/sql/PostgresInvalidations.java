package dev.ward.store.sql;

import dev.ward.crypto.Secrets;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invalidation on PostgreSQL: {@code pg_notify} on a channel of the schema (deployments in other schemas of the
 * same database do not hear each other), and one connection of its own, outside the pool, that LISTENs and is
 * polled by a daemon thread. PostgreSQL delivers a notice to every listener once the publishing statement
 * commits; it keeps none for a listener that is not connected, so after any gap the listener reconnects, calls
 * every subscriber, and only then declares itself live again.
 */
final class PostgresInvalidations implements SqlInvalidations {
    private static final Logger log = LoggerFactory.getLogger(PostgresInvalidations.class);
    /** How long a publisher waits to hear its own notice back. */
    private static final Duration ECHO = Duration.ofSeconds(2);
    private static final int POLL_MILLIS = 500;
    /** A query on the listening connection this often finds a connection that died silently. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);
    private static final Duration FIRST_CONNECT = Duration.ofSeconds(3);
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final int MAX_CHANNEL_BYTES = 63;

    private final SqlDatabase db;
    private final Subscriptions subscriptions = new Subscriptions();
    /** Notices this node published and waits to hear back, by nonce. */
    private final Map<String, CountDownLatch> awaited = new ConcurrentHashMap<>();
    private final CountDownLatch firstConnect = new CountDownLatch(1);
    private volatile String channel;
    private volatile boolean live;
    private volatile boolean closed;
    private volatile Connection listening;
    private Thread listener;

    PostgresInvalidations(SqlDatabase db) { this.db = db; }

    @Override
    public void publish(String topic) {
        subscriptions.deliver(topic);
        String nonce = Secrets.newId("");
        CountDownLatch echo = new CountDownLatch(1);
        boolean awaitEcho = live;
        if (awaitEcho) {
            awaited.put(nonce, echo);
        }
        try {
            String to = channel();
            db.inTransaction(h -> {
                // A notice needs no durability, only delivery at commit: do not wait for the WAL flush.
                h.execute("SET LOCAL synchronous_commit = off");
                return h.createQuery("SELECT 1 FROM (SELECT pg_notify(:channel, :payload)) AS sent")
                        .bind("channel", to).bind("payload", topic + " " + nonce).mapTo(Integer.class).one();
            });
            if (awaitEcho && !echo.await(ECHO.toMillis(), TimeUnit.MILLISECONDS) && live) {
                // Heard nothing on a listener that thinks it is connected: it may not be. Reconnecting clears this
                // node's caches; other nodes stay on their own listeners (and heartbeats).
                log.warn("cache invalidation: own notice not heard back within {} ms; reconnecting the listener", ECHO.toMillis());
                dropListeningConnection();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            awaited.remove(nonce);
        }
    }

    @Override
    public boolean live() { return live; }

    @Override
    public void subscribe(String topic, Runnable changed) { subscriptions.add(topic, changed); }

    @Override
    public synchronized void listen() {
        if (listener != null) {
            return;
        }
        listener = Thread.ofPlatform().daemon().name("ward-invalidations").start(this::listenLoop);
        try {
            firstConnect.await(FIRST_CONNECT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listenLoop() {
        long backoff = 100;
        while (!closed) {
            try (Connection c = db.openDedicated(connectionProperties())) {
                listening = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + quoted(channel()));
                }
                // Whatever was published before this LISTEN was not heard: everything may have changed.
                subscriptions.deliverAll();
                live = true;
                firstConnect.countDown();
                log.info("cache invalidation: listening");
                backoff = 100;
                poll(c);
            } catch (SQLException | RuntimeException e) {
                if (live && !closed) {
                    log.warn("cache invalidation: listener lost its database connection ({}); caches are bypassed until it is back",
                            e.getClass().getSimpleName());
                }
            } finally {
                live = false;
                listening = null;
            }
            if (closed) {
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }

    private void poll(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long nextBeat = System.nanoTime() + HEARTBEAT.toNanos();
        while (!closed) {
            PGNotification[] notices = pg.getNotifications(POLL_MILLIS);
            if (notices != null) {
                for (PGNotification n : notices) {
                    heard(n.getParameter());
                }
            }
            if (System.nanoTime() - nextBeat >= 0) {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
                nextBeat = System.nanoTime() + HEARTBEAT.toNanos();
            }
        }
    }

    private void heard(String payload) {
        int space = payload.lastIndexOf(' ');
        if (space < 0) {
            return;
        }
        CountDownLatch own = awaited.get(payload.substring(space + 1));
        if (own != null) {
            own.countDown();
        } else {
            subscriptions.deliver(payload.substring(0, space));
        }
    }

    private static Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "3");
        // Bounds the heartbeat query; polling sets its own, shorter, wait.
        p.setProperty("socketTimeout", "10");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "ward-invalidations");
        return p;
    }

    /** The schema's channel: Ward's tables live in the connection's current schema. */
    private String channel() {
        String c = channel;
        if (c == null) {
            String schema = db.call(h -> h.createQuery("SELECT current_schema()").mapTo(String.class).one());
            c = "ward_invalidations:" + schema;
            if (c.getBytes(StandardCharsets.UTF_8).length > MAX_CHANNEL_BYTES) {
                c = "ward_invalidations:" + Secrets.sha256Hex(schema).substring(0, 40);
            }
            channel = c;
        }
        return c;
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private void dropListeningConnection() {
        Connection c = listening;
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException ignored) {
                // The listener reconnects either way.
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        live = false;
        if (listener != null) {
            listener.interrupt();
            dropListeningConnection();
            try {
                listener.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() { return "PostgresInvalidations[live=" + live + "]"; }
}
