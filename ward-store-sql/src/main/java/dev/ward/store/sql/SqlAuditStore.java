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
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jdbi.v3.core.Handle;

/**
 * The audit trail as one hash chain per tenant (docs/decisions/0010-audit-chain.md). Appends lock the tenant's row in
 * {@code audit_heads}, so appends from every node form one linear chain. An append inside
 * {@link SqlDatabase#atomically} is written just before that transaction commits. Any other is queued and written by
 * group commit: the first caller to find no write in progress becomes the <em>leader</em> and writes, on its own thread,
 * everything queued in one transaction (and, while others keep queuing, a few groups more, for at most 2 ms), then hands
 * the lead to the next caller still waiting (if any) and returns. A lone writer therefore pays no thread hand-off at
 * all, and under load one commit carries many callers' events.
 */
public final class SqlAuditStore implements AuditStore {
    /**
     * How long a caller waits for its events to be durable before it answers 503 (issue 17: bounded waits): derived from
     * the bound on any one wait on the database ({@link SqlDatabase#STORE_WAIT}), twice it, because a caller may queue
     * behind the group being written (bounded by it) and then wait for its own group's write (bounded by it again). A
     * tighter bound would fail healthy appends on a busy machine (sixteen threads on two loaded cores took over 3 s);
     * a store that answers nothing fails each group within the bound anyway, and the callers with it. A caller that
     * gives up before a leader took its events is dropped from the queue: it answers 503 and its events are never
     * written. One whose events are already being written waits for that write instead (itself bounded).
     */
    static final Duration APPEND_TIMEOUT = SqlDatabase.STORE_WAIT.multipliedBy(2);
    /** The most events one group-commit transaction carries (a caller's own batch may exceed it; it is written whole). */
    static final int MAX_GROUP = 500;
    /**
     * How long a leader waits for more callers before it writes, when there is reason to expect them: its previous
     * group had more than one caller, or others queued already. The callers released by the previous commit need a
     * moment to be scheduled and append again; without the wait the next group would leave with whoever was quickest
     * and the rest would wait a whole commit more. A lone writer never waits: its previous group was itself alone.
     */
    static final long LINGER_NANOS = Long.getLong("ward.audit.linger_micros", 500) * 1000;
    /** A linger ends early when no caller has come for this long: the rest are not on their way. */
    static final long LINGER_GAP_NANOS = 100_000;
    /**
     * How long a leader whose own events are durable goes on writing others' groups before it hands the lead on: a
     * hand-off wakes a sleeping thread before the next group can start, which on a busy machine costs more than a
     * group's write; the leader's own caller waits at most this (and the group under way) more.
     */
    static final long CARRY_ON_NANOS = 2_000_000;

    private final SqlDatabase db;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /** Whether some caller is leading (the only one that takes from {@link #queue}). */
    private final AtomicBoolean leading = new AtomicBoolean();
    /** The leader while it lingers for callers (parked), for a queuing caller to wake; null otherwise. */
    private volatile Thread lingering;
    /** Callers in the leader's previous group; read and written by the leader only (the lead passes with a happens-before). */
    private int lastGroupCallers = 1;

    /** What a waiting caller is told to do: lead, since no one else is. */
    private static final Object LEAD = new Object();

    /** A caller's events as they wait: queued, taken into a group by a leader, asked to lead, or abandoned by the caller. */
    private static final int QUEUED = 0;
    private static final int CLAIMED = 1;
    private static final int LEADER = 2;
    private static final int ABANDONED = 3;

    /** One caller's events waiting to be written, and the answer it waits for: its positions, {@link #LEAD} or a failure. */
    private static final class Pending {
        final List<Row> rows;
        final Set<String> tenants;
        final AtomicInteger state = new AtomicInteger(QUEUED);
        final CompletableFuture<Object> answer = new CompletableFuture<>();

        Pending(List<Row> rows) {
            this.rows = rows;
            Set<String> t = new TreeSet<>();
            rows.forEach(r -> t.add(r.entry().tenant()));
            this.tenants = t;
        }
    }

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
        // Details that have no canonical form fail here, in the caller; the leader finds the rows ready to hash.
        List<Row> rows = rows(at, entries);
        // Within the request's database time, when a request is waiting (issue 17, decision 0021); a request whose time
        // is spent fails here, before its events are queued. A leader's own writes are charged by SqlDatabase.call.
        long wait = StoreDeadline.waitNanos(APPEND_TIMEOUT, "database");
        Pending p = new Pending(rows);
        queue.add(p);
        if (leading.compareAndSet(false, true)) {
            return lead(p);
        }
        Thread leader = lingering;
        if (leader != null) {
            LockSupport.unpark(leader);
        }
        long start = System.nanoTime();
        long deadline = start + wait;
        Object answer;
        try {
            answer = p.answer.get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (p.state.compareAndSet(QUEUED, ABANDONED)) {
                throw new StoreUnavailableException("database", e); // never written: the leader drops it
            }
            // Taken into a group being written, or asked to lead an instant ago: that answer comes, boundedly.
            answer = awaitTaken(p, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (p.state.compareAndSet(QUEUED, ABANDONED)) {
                throw new StoreUnavailableException("database", e);
            }
            answer = awaitTaken(p, deadline);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } finally {
            StoreDeadline.charge(System.nanoTime() - start);
        }
        return answer == LEAD ? lead(p) : (long[]) answer;
    }

    /**
     * The answer of a caller whose events a leader has taken (or who was asked to lead) after its own wait ran out.
     * Interrupts do not end this wait: a caller asked to lead must lead, or no one would, and every later append would
     * wait for a lead that never comes; the interrupt is kept for the caller.
     */
    private static Object awaitTaken(Pending p, long deadline) {
        long end = Math.max(deadline, System.nanoTime()) + APPEND_TIMEOUT.toNanos();
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return p.answer.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (TimeoutException e) {
                    if (p.state.get() == LEADER) {
                        return p.answer.join(); // LEAD, given right after the state changed
                    }
                    throw new StoreUnavailableException("database", e);
                } catch (ExecutionException e) {
                    throw failure(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException failure(Throwable cause) {
        return cause instanceof RuntimeException r ? r : new IllegalStateException("audit append failed", cause);
    }

    /**
     * Writes groups until {@code own} is written, and then, while others wait, for up to {@link #CARRY_ON_NANOS} more
     * (the next group then starts at once, instead of after a sleeping follower is woken to lead it); then passes the
     * lead on. Only the leader takes from the queue, so groups leave in the order their callers queued.
     */
    private long[] lead(Pending own) {
        Object mine = null;
        long carryOnUntil = 0;
        try {
            while (true) {
                if (mine != null) {
                    if (carryOnUntil == 0) {
                        carryOnUntil = System.nanoTime() + CARRY_ON_NANOS;
                    }
                    if (queue.isEmpty() || System.nanoTime() - carryOnUntil >= 0) {
                        break;
                    }
                }
                List<Pending> group = gather();
                if (group.isEmpty()) {
                    continue; // everything ahead was abandoned
                }
                Object result = writeGroup(group, own);
                if (result != null) {
                    mine = result;
                }
            }
        } finally {
            passLead();
        }
        if (mine instanceof RuntimeException e) {
            throw e;
        }
        return (long[]) mine;
    }

    /**
     * Takes the next group from the queue: what is there and, when more callers are expected, those that keep coming —
     * until as many callers as last time are in, arrivals pause for {@link #LINGER_GAP_NANOS}, or {@link #LINGER_NANOS}
     * has passed.
     */
    private List<Pending> gather() {
        List<Pending> group = new ArrayList<>();
        int events = takeAvailable(group, 0, null);
        boolean expectMore = lastGroupCallers > 1 || !queue.isEmpty();
        if (expectMore && LINGER_NANOS > 0) {
            long start = System.nanoTime();
            long lastArrival = start;
            while (events < MAX_GROUP && group.size() < lastGroupCallers) {
                long now = System.nanoTime();
                if (now - start >= LINGER_NANOS || now - lastArrival >= LINGER_GAP_NANOS) {
                    break;
                }
                if (queue.isEmpty()) {
                    // Parked, not polling: on a busy machine a polling leader takes the CPU from the very callers it
                    // waits for. Each caller that queues wakes it (appendNow); the park is bounded in any case.
                    lingering = Thread.currentThread();
                    if (queue.isEmpty()) {
                        LockSupport.parkNanos(Math.min(LINGER_NANOS - (now - start), LINGER_GAP_NANOS - (now - lastArrival)));
                    }
                    lingering = null;
                    continue;
                }
                events = takeAvailable(group, events, null);
                lastArrival = System.nanoTime();
            }
        }
        return group;
    }

    /**
     * Moves queued callers into {@code group} until it holds {@link #MAX_GROUP} events (at least one caller is taken,
     * whatever its size), skipping those that gave up. With {@code tenants} given, stops at the first caller writing
     * to a tenant outside them (the leader holds those heads' locks and may lock no other now).
     */
    private int takeAvailable(List<Pending> group, int events, Set<String> tenants) {
        while (events < MAX_GROUP || group.isEmpty()) {
            Pending next = queue.peek();
            if (next == null) {
                break;
            }
            if (!group.isEmpty() && events + next.rows.size() > MAX_GROUP) {
                break;
            }
            if (tenants != null && !tenants.containsAll(next.tenants)) {
                break;
            }
            queue.poll();
            if (next.state.compareAndSet(QUEUED, CLAIMED) || next.state.compareAndSet(LEADER, CLAIMED)) {
                group.add(next);
                events += next.rows.size();
            }
        }
        return events;
    }

    /**
     * Writes a group in one transaction: locks its tenants' heads, then adds whatever queued meanwhile for those same
     * tenants (a leader that waited for another node's commit finds the callers that came during the wait), chains and
     * inserts, commits, and answers each caller. Answers {@code own}'s positions (or failure) if it was in the group.
     */
    private Object writeGroup(List<Pending> group, Pending own) {
        Object mine = null;
        try {
            long[] seqs = db.inTransaction(h -> {
                Map<String, Head> heads = lockHeads(h, tenantsOf(group));
                takeAvailable(group, group.stream().mapToInt(p -> p.rows.size()).sum(), heads.keySet());
                List<Row> rows = new ArrayList<>();
                group.forEach(p -> rows.addAll(p.rows));
                return chain(h, rows, heads);
            });
            int i = 0;
            for (Pending p : group) {
                long[] positions = Arrays.copyOfRange(seqs, i, i + p.rows.size());
                i += p.rows.size();
                if (p == own) {
                    mine = positions;
                } else {
                    p.answer.complete(positions);
                }
            }
        } catch (RuntimeException e) {
            for (Pending p : group) {
                if (p == own) {
                    mine = e;
                } else {
                    p.answer.completeExceptionally(e);
                }
            }
        }
        lastGroupCallers = group.size();
        return mine;
    }

    /**
     * Gives the lead to the first caller still waiting, or lays it down when none is. A caller that queues just as the
     * lead is laid down finds {@link #leading} false and leads itself; the re-check covers the one that queued just
     * before and found it still true.
     */
    private void passLead() {
        while (true) {
            Pending next = queue.peek();
            if (next == null) {
                leading.set(false);
                if (queue.isEmpty() || !leading.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            if (next.state.compareAndSet(QUEUED, LEADER)) {
                next.answer.complete(LEAD);
                return;
            }
            queue.poll(); // abandoned by its caller
        }
    }

    private static Set<String> tenantsOf(List<Pending> group) {
        Set<String> tenants = new TreeSet<>();
        group.forEach(p -> tenants.addAll(p.tenants));
        return tenants;
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

    /** Chains {@code rows} onto their tenants' heads inside the caller's transaction (appends within a change). */
    private long[] write(Handle h, List<Row> rows) {
        Set<String> tenants = new TreeSet<>();
        rows.forEach(r -> tenants.add(r.entry().tenant()));
        return chain(h, rows, lockHeads(h, tenants));
    }

    /**
     * Locks the heads of {@code tenants} in tenant order (so two writers never wait on each other in a circle; a tenant's
     * head is created at the genesis on its first event) and answers them as they are now.
     */
    private static Map<String, Head> lockHeads(Handle h, Set<String> tenants) {
        Map<String, Head> heads = new TreeMap<>();
        for (String tenant : new TreeSet<>(tenants)) {
            heads.put(tenant, lockHead(h, tenant));
        }
        return heads;
    }

    /**
     * Numbers, hashes and inserts each tenant's rows after its locked head (one multi-row INSERT per tenant and chunk:
     * one round trip instead of one per row while the head is locked), then moves the heads. Answers each row's
     * position, in the order of {@code rows}.
     */
    private static long[] chain(Handle h, List<Row> rows, Map<String, Head> heads) {
        Map<String, List<Integer>> byTenant = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            byTenant.computeIfAbsent(rows.get(i).entry().tenant(), t -> new ArrayList<>()).add(i);
        }
        long[] positions = new long[rows.size()];
        for (var tenant : byTenant.entrySet()) {
            Head head = heads.get(tenant.getKey());
            long seq = head.seq();
            String prev = head.hash();
            List<Object[]> values = new ArrayList<>(tenant.getValue().size());
            for (int index : tenant.getValue()) {
                Row r = rows.get(index);
                AuditEntry e = r.entry();
                seq++;
                positions[index] = seq;
                String hash = AuditChain.hash(prev, e.tenant(), seq, r.at(), e.type(), e.outcome(), e.actor(), e.userId(),
                        e.sessionId(), e.patientId(), e.ip(), r.details());
                values.add(new Object[] {seq, Columns.timestamp(r.at()), e.tenant(), e.type(), e.outcome(), e.actor(), e.userId(),
                        e.sessionId(), e.patientId(), e.ip(), r.details(), prev, hash});
                prev = hash;
            }
            for (int from = 0; from < values.size(); from += INSERT_CHUNK) {
                insert(h, values.subList(from, Math.min(values.size(), from + INSERT_CHUNK)));
            }
            h.createUpdate("UPDATE audit_heads SET seq = :seq, hash = :hash WHERE tenant_id = :t")
                    .bind("seq", seq).bind("hash", prev).bind("t", tenant.getKey()).execute();
        }
        return positions;
    }

    /** Rows per INSERT statement: 13 parameters each, far below PostgreSQL's 32,767 per statement. */
    private static final int INSERT_CHUNK = 250;
    private static final String INSERT = "INSERT INTO audit_events (chain_seq, at, tenant_id, type, outcome, actor, user_id, "
            + "session_id, patient_id, ip, details, prev_hash, hash) VALUES ";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static void insert(Handle h, List<Object[]> values) {
        var update = h.createUpdate(INSERT + String.join(", ", Collections.nCopies(values.size(), ROW)));
        int position = 0;
        for (Object[] row : values) {
            for (Object v : row) {
                if (v == null) {
                    update.bindNull(position++, Types.VARCHAR);
                } else {
                    update.bind(position++, v);
                }
            }
        }
        update.execute();
    }

    private record Head(long seq, String hash) {}

    /** The tenant's head, locked for this transaction; created at the genesis on the tenant's first event. */
    private static Head lockHead(Handle h, String tenant) {
        Optional<Head> head = selectForUpdate(h, tenant);
        if (head.isPresent()) {
            return head.get();
        }
        h.createUpdate("INSERT INTO audit_heads (tenant_id, seq, hash, first_seq, first_prev) VALUES (:t, 0, :g, 0, :g) "
                + "ON CONFLICT DO NOTHING").bind("t", tenant).bind("g", AuditChain.GENESIS).execute();
        return selectForUpdate(h, tenant).orElseThrow();
    }

    private static Optional<Head> selectForUpdate(Handle h, String tenant) {
        return h.createQuery("SELECT seq, hash FROM audit_heads WHERE tenant_id = :t FOR UPDATE").bind("t", tenant)
                .map((rs, ctx) -> new Head(rs.getLong("seq"), rs.getString("hash"))).findOne();
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
