package dev.ward.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay to a real server, which a test can cut (every connection dropped, the port refusing)
 * and restore on the same port, or pause (connections open, nothing forwarded) and resume: a network failure between Ward and its database, without stopping a
 * database other tests share.
 */
final class TcpProxy implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        restore();
    }

    int port() { return port; }

    /** Accepts again on the same port. */
    synchronized void restore() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = s;
            Thread.ofVirtual().name("proxy-accept-" + port).start(() -> accept(s));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + port, e);
        }
    }

    /** Drops every connection and stops listening, as a network partition would. */
    synchronized void cut() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            close(s);
        }
        open.clear();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(upstream);
                Thread.ofVirtual().start(() -> pipe(client, upstream, true));
                Thread.ofVirtual().start(() -> pipe(upstream, client, false));
            } catch (IOException e) {
                return; // cut
            }
        }
    }

    /**
     * Stops forwarding bytes, both ways, on every connection, old and new, while connections stay open and new ones are
     * still accepted: a blackhole (a frozen server, packets dropped), the failure no connection error reports.
     */
    void pause() {
        synchronized (gate) {
            paused = true;
        }
    }

    /** Forwards again; bytes held during the pause go through now. */
    void resume() {
        synchronized (gate) {
            paused = false;
            gate.notifyAll();
        }
    }

    private final Object gate = new Object();
    private boolean paused;

    private void awaitOpen() throws InterruptedException {
        synchronized (gate) {
            while (paused) {
                gate.wait();
            }
        }
    }

    /** Writes from clients still to pass before every connection is dropped ({@link #dropAfterWrites}); negative: none armed. */
    private final AtomicInteger writesBeforeDrop = new AtomicInteger(-1);

    /** Closes every open connection at once (each side sees a reset) but keeps accepting new ones: a dropped link. */
    void dropConnections() {
        for (Socket s : open) {
            close(s);
        }
        open.clear();
    }

    /**
     * Drops every connection ({@link #dropConnections}) just before the {@code n}-th write from a client that carries an
     * SQL statement (1 = the next) reaches the server: a fault at a chosen step of a conversation, e.g. between two
     * statements of one request, or just before its COMMIT. Handshakes and empty validation queries are not counted;
     * statements are recognised by their text, so the client must send it each time (PostgreSQL JDBC
     * {@code prepareThreshold=0}).
     */
    void dropAfterWrites(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1");
        }
        writesBeforeDrop.set(n - 1);
    }

    /** Cancels a drop armed by {@link #dropAfterWrites}, {@link #dropAfterForwarding} or {@link #loseCommitAndRefuse} that has not happened. */
    void disarmDrop() {
        commitOf.set(null);
        writesBeforeDrop.set(-1);
        forwardsBeforeDrop.set(-1);
    }

    /** Matching client writes still to pass before the reply to the last one is lost ({@link #dropAfterForwarding}). */
    private final AtomicInteger forwardsBeforeDrop = new AtomicInteger(-1);
    private volatile String forwardedFragment = "";
    private volatile boolean holdReplies;

    /**
     * Lets the {@code k}-th client write containing {@code fragment} (e.g. {@code "COMMIT"}) reach the server, then holds
     * every reply and drops every connection: the server has done it, the client never hears so. A commit in doubt.
     */
    void dropAfterForwarding(String fragment, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1");
        }
        forwardedFragment = fragment;
        forwardsBeforeDrop.set(k - 1);
    }

    /** Whether a drop armed by {@link #dropAfterForwarding} has happened (or none was armed). */
    boolean forwardDropFired() { return forwardsBeforeDrop.get() < 0; }

    /** The statement whose transaction's COMMIT is to be lost ({@link #loseCommitAndRefuse}); null: none armed. */
    private final java.util.concurrent.atomic.AtomicReference<String> commitOf = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean commitLost;

    /**
     * Lets through the first COMMIT a client sends on a connection after a write containing {@code statement}, then
     * holds every reply, drops every connection and stops listening until {@link #restore}: the server committed that
     * one transaction, and Ward can neither hear so nor ask. A commit in doubt that stays in doubt.
     */
    void loseCommitAndRefuse(String statement) {
        commitReaches = true;
        commitLost = false;
        commitOf.set(statement);
    }

    /** As {@link #loseCommitAndRefuse}, but that COMMIT never reaches the server: the transaction rolls back, unseen. */
    void cutBeforeCommitAndRefuse(String statement) {
        commitReaches = false;
        commitLost = false;
        commitOf.set(statement);
    }

    private volatile boolean commitReaches;

    /** Whether the COMMIT armed by {@link #loseCommitAndRefuse} or {@link #cutBeforeCommitAndRefuse} came, and the relay went away. */
    boolean commitLost() { return commitLost; }

    private static final java.util.regex.Pattern STATEMENT =
            java.util.regex.Pattern.compile("\\b(SELECT|INSERT|UPDATE|DELETE|COMMIT|ROLLBACK|BEGIN|WITH)\\b",
                    java.util.regex.Pattern.CASE_INSENSITIVE);

    private static boolean carriesStatement(byte[] buffer, int n) {
        return STATEMENT.matcher(new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1)).find();
    }

    private boolean lastOfForwards(byte[] buffer, int n) {
        if (forwardsBeforeDrop.get() < 0) {
            return false;
        }
        String text = new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        return text.contains(forwardedFragment) && forwardsBeforeDrop.getAndDecrement() == 0;
    }

    /** Replies held since a matching write went through; the connections are dropped a moment later (the server reads first). */
    private void dropSoon() {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            dropConnections();
            synchronized (gate) {
                holdReplies = false;
                gate.notifyAll();
            }
        });
    }

    /** As {@link #dropSoon}, and the port refuses from then on. */
    private void refuseSoon() {
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(100); // the server reads the COMMIT before the link goes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cut();
            commitLost = true;
            synchronized (gate) {
                holdReplies = false;
                gate.notifyAll();
            }
        });
    }

    private void awaitReplies() throws InterruptedException {
        if (holdReplies) {
            synchronized (gate) {
                while (holdReplies) {
                    gate.wait();
                }
            }
        }
    }

    /** Whether a drop armed by {@link #dropAfterWrites} has happened (or none was armed). */
    boolean dropFired() { return writesBeforeDrop.get() < 0; }

    private void pipe(Socket from, Socket to, boolean fromClient) {
        boolean inChosenTransaction = false;
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                awaitOpen();
                if (fromClient && writesBeforeDrop.get() >= 0 && carriesStatement(buffer, n) && writesBeforeDrop.getAndDecrement() == 0) {
                    dropConnections();
                    return;
                }
                if (!fromClient) {
                    awaitReplies();
                }
                boolean inDoubt = fromClient && lastOfForwards(buffer, n);
                String chosen = commitOf.get();
                boolean stayInDoubt = false;
                if (fromClient && chosen != null) {
                    String text = new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
                    inChosenTransaction |= text.contains(chosen);
                    stayInDoubt = inChosenTransaction && text.contains("COMMIT") && commitOf.compareAndSet(chosen, null);
                }
                if (stayInDoubt && !commitReaches) {
                    cut();
                    commitLost = true;
                    return;
                }
                if (inDoubt || stayInDoubt) {
                    holdReplies = true; // before the server can answer
                }
                out.write(buffer, 0, n);
                out.flush();
                if (inDoubt) {
                    dropSoon();
                }
                if (stayInDoubt) {
                    refuseSoon();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // one side went away
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
    }
}
