package dev.ward.atna;

import dev.ward.audit.AuditFeed;
import dev.ward.audit.ForwardingOutbox;
import dev.ward.fhir.FhirAuditExport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the audit trail to an ATNA audit record repository by syslog over TLS, from the durable outbox: per
 * tenant, events after the recorded position, in seq order, a batch at a time. A batch's position advances only
 * after the batch was written and the connection was seen alive afterwards ({@link SyslogConnection#confirm});
 * any failure leaves it where it was, closes the connection and retries with capped exponential backoff.
 *
 * <p>It runs on a thread of its own and touches nothing the requests use but the database pool (one connection
 * during a batch): a receiver that is down or slow delays the copy, never a request or readiness. The trail in
 * the database is the record; this is a copy. docs/decisions/0009-atna-forwarding.md gives the delivery window.
 */
public final class AtnaForwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AtnaForwarder.class);

    /** Timing knobs; {@link #DEFAULTS} in production, shorter ones in tests. */
    public record Timing(Duration idlePoll, Duration firstBackoff, Duration maxBackoff, Duration confirmWait,
                         Duration ioTimeout, int batch) {}

    public static final Timing DEFAULTS = new Timing(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(1),
            Duration.ofMillis(200), Duration.ofSeconds(10), 500);

    private final SyslogTarget target;
    private final AuditFeed feed;
    private final ForwardingOutbox outbox;
    private final FhirAuditExport fhir;
    private final String hostname;
    private final Timing timing;
    private final long pid = ProcessHandle.current().pid();
    private final ScheduledExecutorService watchdog;
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    private SyslogConnection connection;

    private AtnaForwarder(SyslogTarget target, AuditFeed feed, ForwardingOutbox outbox, String hostname, Timing timing) {
        this.target = target;
        this.feed = feed;
        this.outbox = outbox;
        this.hostname = hostname;
        this.fhir = new FhirAuditExport(hostname);
        this.timing = timing;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ward-atna-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::run, "ward-atna");
        this.thread.setDaemon(true);
    }

    /** Starts forwarding on a thread of its own. */
    public static AtnaForwarder start(SyslogTarget target, AuditFeed feed, ForwardingOutbox outbox, String hostname, Timing timing) {
        AtnaForwarder f = new AtnaForwarder(target, feed, outbox, hostname, timing);
        f.thread.start();
        log.info("forwarding the audit trail to {}", target);
        return f;
    }

    /** Per tenant, how many events are not yet known to be delivered: the figure to watch (and alert on). */
    public Map<String, Long> lag() {
        Map<String, Long> positions = outbox.positions();
        Map<String, Long> lag = new LinkedHashMap<>();
        for (String tenant : feed.tenants()) {
            lag.put(tenant, feed.countAfter(tenant, positions.getOrDefault(tenant, 0L)));
        }
        return lag;
    }

    /** How many forwarding attempts have failed since start (receiver down, refused, closed mid-batch). */
    public long failedAttempts() { return failures.get(); }

    private void run() {
        // The first pass waits one poll: a node that starts with a backlog serves before it loads HAPI to copy it.
        pause(timing.idlePoll());
        Duration backoff = timing.firstBackoff();
        while (stop.getCount() > 0) {
            boolean more;
            try {
                more = pass();
                backoff = timing.firstBackoff();
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                closeConnection();
                // Class only: a message could carry a host name or a path, never anything an event holds.
                log.warn("audit forwarding to {} failed ({}); retrying in {} s", target, e.getClass().getSimpleName(),
                        backoff.toSeconds());
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(timing.maxBackoff()) > 0 ? timing.maxBackoff() : backoff.multipliedBy(2);
                continue;
            }
            if (!more) {
                pause(timing.idlePoll());
            }
        }
        closeConnection();
    }

    /** One batch per tenant; true when some tenant may have more waiting. */
    private boolean pass() {
        boolean more = false;
        for (String tenant : feed.tenants()) {
            long[] sent = {0};
            boolean ours = outbox.step(tenant, position -> {
                List<AuditFeed.Entry> batch = feed.after(tenant, position, timing.batch());
                sent[0] = batch.size();
                return batch.isEmpty() ? position : send(batch);
            });
            more |= ours && sent[0] == timing.batch();
            if (!ours) {
                // Another node forwards now; this one keeps its connection closed so the receiver sees one sender.
                closeConnection();
                return false;
            }
        }
        return more;
    }

    /** Writes the batch and returns its last seq once the receiver is seen alive after it; throws otherwise. */
    private long send(List<AuditFeed.Entry> batch) {
        List<byte[]> frames = batch.stream()
                .map(x -> Rfc5424.frame(x.event(), x.hash(), hostname, pid, fhir.json(x.event(), x.hash())))
                .toList();
        try {
            SyslogConnection c = connection();
            // A blocked write (a receiver that stopped reading) has no timeout of its own: closing unblocks it.
            ScheduledFuture<?> deadline = watchdog.schedule(c::close, timing.ioTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                for (byte[] frame : frames) {
                    c.write(frame);
                }
                c.confirm(timing.confirmWait());
            } finally {
                deadline.cancel(false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return batch.get(batch.size() - 1).event().seq();
    }

    private SyslogConnection connection() throws IOException {
        if (connection != null && !connection.alive(Duration.ofMillis(1))) {
            closeConnection();
        }
        if (connection == null) {
            connection = SyslogConnection.open(target, timing.ioTimeout());
            if (!connection.alive(timing.confirmWait())) {
                // A receiver that takes the handshake and then hangs up (mutual TLS refused, for one).
                closeConnection();
                throw new IOException("the receiver closed the connection after the handshake");
            }
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    private void pause(Duration d) {
        try {
            stop.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            stop.countDown();
        }
    }

    /**
     * Whether a TLS connection to the target can be made and is kept after the handshake: what {@code ward check}
     * reports. Empty when it can; otherwise why not.
     */
    public static java.util.Optional<String> check(SyslogTarget target, Duration timeout) {
        try (SyslogConnection c = SyslogConnection.open(target, timeout)) {
            return c.alive(Duration.ofMillis(500)) ? java.util.Optional.empty()
                    : java.util.Optional.of("the receiver closed the connection after the TLS handshake (client certificate refused?)");
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.of(e.getClass().getSimpleName());
        }
    }

    /**
     * Stops after the batch in flight, which is left to finish (at most the I/O timeout) rather than interrupted,
     * so that a batch the receiver took also has its position recorded.
     */
    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join(timing.ioTimeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchdog.shutdownNow();
    }
}
