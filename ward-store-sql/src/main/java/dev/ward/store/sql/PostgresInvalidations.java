package dev.ward.store.sql;

import dev.ward.crypto.Secrets;
import java.sql.Connection;
import java.sql.PreparedStatement;
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
 * same database do not hear each other), and on every node one connection of its own, outside the pool, that
 * LISTENs and is polled by a daemon thread. Each listener confirms every notice once its subscribers have run
 * ({@code ack <nonce>} on the same channel); the publisher counts the listeners of the channel (by their
 * {@code application_name}) before sending and waits, bounded, for as many confirmations, so when it returns every
 * listening node has cleared its caches. PostgreSQL keeps no notice for a listener that is not connected, so after
 * any gap the listener reconnects, calls every subscriber, and only then declares itself live again.
 */
final class PostgresInvalidations implements SqlInvalidations {
    private static final Logger log = LoggerFactory.getLogger(PostgresInvalidations.class);
    /** How long a publisher waits for the listeners' confirmations. */
    private static final Duration CONFIRMATIONS = Duration.ofSeconds(2);
    private static final int POLL_MILLIS = 500;
    /** A query on the listening connection this often finds a connection that died silently. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(5);
    private static final Duration FIRST_CONNECT = Duration.ofSeconds(3);
    private static final long MAX_BACKOFF_MILLIS = 2_000;
    /** PostgreSQL identifiers (channel, application_name) hold 63 bytes; the schema part is kept within this. */
    private static final int MAX_SCOPE_CHARS = 40;
    private static final String ACK = "ack ";

    /** A publication this node waits to see confirmed. */
    private static final class Awaited {
        final CountDownLatch confirmations;
        volatile boolean heardByThisNode;

        Awaited(int listeners) { this.confirmations = new CountDownLatch(listeners); }
    }

    private final SqlDatabase db;
    private final Subscriptions subscriptions = new Subscriptions();
    private final Map<String, Awaited> awaited = new ConcurrentHashMap<>();
    private final CountDownLatch firstConnect = new CountDownLatch(1);
    private volatile String scope;
    private volatile boolean live;
    private volatile boolean closed;
    private volatile Connection listening;
    private Thread listener;

    PostgresInvalidations(SqlDatabase db) { this.db = db; }

    @Override
    public void publish(String topic) {
        subscriptions.deliver(topic);
        String nonce = Secrets.newId("");
        String channel = channel();
        boolean confirm = live;
        try {
            int listeners = db.inTransaction(h -> {
                // A notice needs no durability, only delivery at commit: do not wait for the WAL flush.
                h.execute("SET LOCAL synchronous_commit = off");
                int count = h.createQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = :app "
                        + "AND datname = current_database()").bind("app", applicationName()).mapTo(Integer.class).one();
                if (confirm) {
                    awaited.put(nonce, new Awaited(count));
                }
                h.createQuery("SELECT 1 FROM (SELECT pg_notify(:channel, :payload)) AS sent")
                        .bind("channel", channel).bind("payload", topic + " " + nonce).mapTo(Integer.class).one();
                return count;
            });
            if (confirm) {
                awaitConfirmations(nonce, listeners);
            }
        } finally {
            awaited.remove(nonce);
        }
    }

    private void awaitConfirmations(String nonce, int listeners) {
        Awaited a = awaited.get(nonce);
        try {
            if (a == null || a.confirmations.await(CONFIRMATIONS.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        log.warn("cache invalidation: {} of {} listening node(s) did not confirm within {} ms",
                a.confirmations.getCount(), listeners, CONFIRMATIONS.toMillis());
        if (!a.heardByThisNode && live) {
            // This node's own listener thinks it is connected but heard nothing: reconnecting clears its caches.
            dropListeningConnection();
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
                    st.execute("SET synchronous_commit = off");
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
        try (PreparedStatement ack = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            long nextBeat = System.nanoTime() + HEARTBEAT.toNanos();
            while (!closed) {
                PGNotification[] notices = pg.getNotifications(POLL_MILLIS);
                if (notices != null) {
                    for (PGNotification n : notices) {
                        heard(n.getParameter(), ack);
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
    }

    /** A notice {@code <topic> <nonce>}: run the subscribers, then confirm; or a confirmation {@code ack <nonce>}. */
    private void heard(String payload, PreparedStatement ack) throws SQLException {
        if (payload.startsWith(ACK)) {
            Awaited a = awaited.get(payload.substring(ACK.length()));
            if (a != null) {
                a.confirmations.countDown();
            }
            return;
        }
        int space = payload.lastIndexOf(' ');
        if (space < 0) {
            return;
        }
        String nonce = payload.substring(space + 1);
        subscriptions.deliver(payload.substring(0, space));
        Awaited own = awaited.get(nonce);
        if (own != null) {
            own.heardByThisNode = true;
        }
        ack.setString(1, channel());
        ack.setString(2, ACK + nonce);
        ack.execute();
    }

    private Properties connectionProperties() {
        Properties p = new Properties();
        p.setProperty("connectTimeout", "3");
        // Bounds the heartbeat query and confirmations; polling sets its own, shorter, wait.
        p.setProperty("socketTimeout", "10");
        p.setProperty("tcpKeepAlive", "true");
        // How publishers count the listeners they wait for.
        p.setProperty("ApplicationName", applicationName());
        return p;
    }

    /** The schema (Ward's tables live in the connection's current schema), or a digest of it when it is long. */
    private String scope() {
        String s = scope;
        if (s == null) {
            String schema = db.call(h -> h.createQuery("SELECT current_schema()").mapTo(String.class).one());
            s = schema.length() <= MAX_SCOPE_CHARS && schema.chars().allMatch(ch -> ch < 128)
                    ? schema : Secrets.sha256Hex(schema).substring(0, MAX_SCOPE_CHARS);
            scope = s;
        }
        return s;
    }

    private String channel() { return "ward_invalidations:" + scope(); }

    private String applicationName() { return "ward-invalidations:" + scope(); }

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
