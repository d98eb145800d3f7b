package dev.ward.store.sql;

import dev.ward.audit.AuditChain;
import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditStore;
import dev.ward.audit.CanonicalJson;
import dev.ward.problem.StoreDeadline;
import dev.ward.problem.StoreUnavailableException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The audit trail as one hash chain per tenant (docs/decisions/0010-audit-chain.md). Appends lock the tenant's row in
 * {@code audit_heads}, so appends from every node form one linear chain. An append inside
 * {@link SqlDatabase#atomically} is written just before that transaction commits; any other goes to this node's
 * appender, which writes everything queued in one transaction (group commit) and then releases the callers.
 */
public final class SqlAuditStore implements AuditStore {
    /**
     * How long a caller waits for its events to be durable before it answers 503 (issue 17: bounded waits): derived from
     * the bound on any one wait on the database ({@link SqlDatabase#STORE_WAIT}), twice it, because a caller may queue
     * behind the group being written (bounded by it) and then wait for its own group's write (bounded by it again). A
     * tighter bound would fail healthy appends on a busy machine (sixteen threads on two loaded cores took over 3 s);
     * a store that answers nothing fails each group within the bound anyway, and the callers with it.
     */
    static final Duration APPEND_TIMEOUT = SqlDatabase.STORE_WAIT.multipliedBy(2);
    /** The most events one group-commit transaction carries. */
    private static final int MAX_GROUP = 500;
    /** An idle appender thread ends after this long; the next append starts another. */
    private static final Duration IDLE = Duration.ofSeconds(30);

    private final SqlDatabase db;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private Thread appender;

    /** Events waiting for the appender, and where their positions go once they are durable. */
    private record Pending(Instant at, List<AuditEntry> entries, CompletableFuture<long[]> done) {}

    public SqlAuditStore(SqlDatabase db) { this.db = db; }

    @Override
    public void append(Instant at, List<AuditEntry> entries) {
        if (db.inTransactionHere()) {
            List<Row> rows = rows(at, entries);
            db.beforeCommit(h -> write(h, rows));
            return;
        }
        appendNow(at, entries);
    }

    @Override
    public long appendOne(Instant at, AuditEntry entry) {
        if (db.inTransactionHere()) {
            throw new IllegalStateException("appendOne answers a position, which a transaction knows only when it commits");
        }
        return appendNow(at, List.of(entry))[0];
    }

    private long[] appendNow(Instant at, List<AuditEntry> entries) {
        rows(at, entries); // details that have no canonical form fail here, in the caller, not in the appender
        // Within the request's database time, when a request is waiting (issue 17: bounded waits); a request whose time
        // is spent fails here, before its events are queued.
        long wait = StoreDeadline.waitNanos(APPEND_TIMEOUT, "database");

        Pending p = new Pending(at, entries, new CompletableFuture<>());
        queue.add(p);
        ensureAppender();
        long start = System.nanoTime();
        try {
            return p.done().get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new StoreUnavailableException("database", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("database", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("audit append failed", e.getCause());
        } finally {
            StoreDeadline.charge(System.nanoTime() - start);
        }
    }

    /** An event as it will be stored: its details already in the canonical form the hash covers. */
    private record Row(Instant at, AuditEntry entry, String details) {}

    private static List<Row> rows(Instant at, List<AuditEntry> entries) {
        List<Row> rows = new ArrayList<>(entries.size());
        for (AuditEntry e : entries) {
            rows.add(new Row(at, e, CanonicalJson.write(e.details())));
        }
        return rows;
    }

    private synchronized void ensureAppender() {
        if (appender == null || !appender.isAlive()) {
            appender = new Thread(this::drain, "ward-audit-appender");
            appender.setDaemon(true);
            appender.start();
        }
    }

    /** The group commit loop: take what has queued, write it in one transaction, release its callers. */
    private void drain() {
        List<Pending> group = new ArrayList<>();
        while (true) {
            Pending first;
            try {
                first = queue.poll(IDLE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                synchronized (this) {
                    if (queue.isEmpty()) {
                        appender = null;
                        return;
                    }
                }
                continue;
            }
            group.clear();
            group.add(first);
            int events = first.entries().size();
            while (events < MAX_GROUP) {
                Pending next = queue.poll();
                if (next == null) {
                    break;
                }
                group.add(next);
                events += next.entries().size();
            }
            List<Row> rows = new ArrayList<>(events);
            for (Pending p : group) {
                rows.addAll(rows(p.at(), p.entries()));
            }
            try {
                long[] seqs = db.inTransaction(h -> write(h, rows));
                int i = 0;
                for (Pending p : group) {
                    long[] own = new long[p.entries().size()];
                    System.arraycopy(seqs, i, own, 0, own.length);
                    i += own.length;
                    p.done().complete(own);
                }
            } catch (RuntimeException e) {
                group.forEach(p -> p.done().completeExceptionally(e));
            }
        }
    }

    /**
     * Chains {@code rows} onto their tenants' heads inside the caller's transaction: heads are locked in tenant order
     * (so two appenders never wait on each other in a circle), then each tenant's rows are numbered, hashed, inserted and
     * its head moved. Answers each row's position, in the order of {@code rows}.
     */
    private long[] write(Handle h, List<Row> rows) {
        Map<String, List<Integer>> byTenant = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byTenant.computeIfAbsent(rows.get(i).entry().tenant(), t -> new ArrayList<>()).add(i);
        }
        long[] positions = new long[rows.size()];
        for (var tenant : byTenant.entrySet()) {
            Head head = lockHead(h, tenant.getKey());
            long seq = head.seq();
            String prev = head.hash();
            PreparedBatch batch = h.prepareBatch("INSERT INTO audit_events (chain_seq, at, tenant_id, type, outcome, actor, user_id, "
                    + "session_id, patient_id, ip, details, prev_hash, hash) VALUES (:chainSeq, :at, :t, :type, :outcome, :actor, :uid, "
                    + ":sid, :pid, :ip, :details, :prev, :hash)");
            for (int index : tenant.getValue()) {
                Row r = rows.get(index);
                AuditEntry e = r.entry();
                seq++;
                positions[index] = seq;
                String hash = AuditChain.hash(prev, e.tenant(), seq, r.at(), e.type(), e.outcome(), e.actor(), e.userId(),
                        e.sessionId(), e.patientId(), e.ip(), r.details());
                batch.bind("chainSeq", seq).bind("at", Columns.timestamp(r.at())).bind("t", e.tenant()).bind("type", e.type())
                        .bind("outcome", e.outcome()).bind("actor", e.actor()).bind("uid", e.userId()).bind("sid", e.sessionId())
                        .bind("pid", e.patientId()).bind("ip", e.ip()).bind("details", r.details()).bind("prev", prev)
                        .bind("hash", hash).add();
                prev = hash;
            }
            batch.execute();
            h.createUpdate("UPDATE audit_heads SET seq = :seq, hash = :hash WHERE tenant_id = :t")
                    .bind("seq", seq).bind("hash", prev).bind("t", tenant.getKey()).execute();
        }
        return positions;
    }

    private record Head(long seq, String hash) {}

    /** The tenant's head, locked for this transaction; created at the genesis on the tenant's first event. */
    private Head lockHead(Handle h, String tenant) {
        h.createUpdate("INSERT INTO audit_heads (tenant_id, seq, hash, first_seq, first_prev) VALUES (:t, 0, :g, 0, :g) "
                + "ON CONFLICT DO NOTHING").bind("t", tenant).bind("g", AuditChain.GENESIS).execute();
        return h.createQuery("SELECT seq, hash FROM audit_heads WHERE tenant_id = :t FOR UPDATE").bind("t", tenant)
                .map((rs, ctx) -> new Head(rs.getLong("seq"), rs.getString("hash"))).one();
    }

    @Override
    public List<AuditEvent> recent(String tenant, String type, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM audit_events WHERE (:t IS NULL OR tenant_id = :t) "
                        + "AND (:type IS NULL OR type = :type) ORDER BY seq DESC LIMIT :limit")
                .bind("t", tenant).bind("type", type).bind("limit", limit)
                .map((rs, ctx) -> event(rs))
                .list());
    }

    /** A stored event as read back (its details parsed from the canonical text). */
    static AuditEvent event(ResultSet rs) throws SQLException {
        return new AuditEvent(rs.getLong("chain_seq"), Columns.instant(rs, "at"), rs.getString("tenant_id"),
                rs.getString("type"), rs.getString("outcome"), rs.getString("actor"), rs.getString("user_id"),
                rs.getString("session_id"), rs.getString("patient_id"), rs.getString("ip"),
                Json.read(rs.getString("details")), rs.getString("prev_hash"), rs.getString("hash"));
    }
}
