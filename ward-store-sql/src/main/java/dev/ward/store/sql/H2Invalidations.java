package dev.ward.store.sql;

import dev.ward.crypto.Secrets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Invalidation on the embedded H2. Publishing calls the database function {@code ward_invalidate}, which H2 runs
 * in the process that holds the database file: the server, also for a CLI command whose statements reach it
 * through AUTO_SERVER. The function hands the notice to every instance listening on that database in that process,
 * before the publishing statement returns. A node is live once a probe it publishes arrives in its own process;
 * one that is not (a CLI command held the file when the server started) probes again until it is.
 */
public final class H2Invalidations implements SqlInvalidations {
    private static final Duration REPROBE = Duration.ofSeconds(2);
    private static final String PROBE = "ward.probe:";
    /** Identifies the database in the process that runs it (in-memory databases have no path). */
    private static final String DATABASE = "SELECT COALESCE(DATABASE_PATH(), DATABASE())";
    private static final Map<String, Set<H2Invalidations>> LISTENING = new ConcurrentHashMap<>();

    private final SqlDatabase db;
    private final Subscriptions subscriptions = new Subscriptions();
    private volatile boolean functionReady;
    private volatile boolean live;
    private volatile boolean closed;
    private volatile String database;
    private volatile String awaitedProbe;
    private volatile boolean probeHeard;
    private Thread prober;

    H2Invalidations(SqlDatabase db) { this.db = db; }

    /**
     * Runs in the process that holds the database, inside the publishing statement (H2 passes the connection).
     * Not for callers: it is public only because H2 calls it.
     */
    public static void deliver(Connection connection, String topic) throws SQLException {
        String database;
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(DATABASE)) {
            rs.next();
            database = rs.getString(1);
        }
        for (H2Invalidations listener : LISTENING.getOrDefault(database, Set.of())) {
            listener.heard(topic);
        }
    }

    @Override
    public void publish(String topic) {
        subscriptions.deliver(topic);
        send(topic);
    }

    @Override
    public boolean live() { return live; }

    @Override
    public void subscribe(String topic, Runnable changed) { subscriptions.add(topic, changed); }

    @Override
    public synchronized void listen() {
        database = db.call(h -> h.createQuery(DATABASE).mapTo(String.class).one());
        LISTENING.computeIfAbsent(database, d -> ConcurrentHashMap.newKeySet()).add(this);
        if (!probe()) {
            prober = Thread.ofPlatform().daemon().name("ward-invalidations").start(this::probeUntilLive);
        }
    }

    private void heard(String topic) {
        if (topic.startsWith(PROBE)) {
            if (topic.equals(awaitedProbe)) {
                probeHeard = true;
            }
        } else {
            subscriptions.deliver(topic);
        }
    }

    private boolean probe() {
        String probe = PROBE + Secrets.newId("");
        awaitedProbe = probe;
        probeHeard = false;
        send(probe);
        if (probeHeard && !live) {
            subscriptions.deliverAll();
            live = true;
        }
        return probeHeard;
    }

    private void probeUntilLive() {
        while (!closed && !live) {
            try {
                Thread.sleep(REPROBE);
                probe();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException storeDown) {
                // Probed again after the pause.
            }
        }
    }

    private void send(String topic) {
        if (!functionReady) {
            // Created here rather than by a migration: it exists on H2 only and names a class of this adapter.
            db.run(h -> h.execute("CREATE ALIAS IF NOT EXISTS ward_invalidate FOR '" + H2Invalidations.class.getName() + ".deliver'"));
            functionReady = true;
        }
        db.run(h -> h.execute("CALL ward_invalidate(?)", topic));
    }

    @Override
    public synchronized void close() {
        closed = true;
        live = false;
        if (prober != null) {
            prober.interrupt();
        }
        if (database != null) {
            LISTENING.computeIfPresent(database, (d, listeners) -> {
                listeners.remove(this);
                return listeners.isEmpty() ? null : listeners;
            });
        }
    }

    @Override
    public String toString() { return "H2Invalidations[live=" + live + "]"; }
}
