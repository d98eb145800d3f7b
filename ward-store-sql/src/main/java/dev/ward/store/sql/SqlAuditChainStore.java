package dev.ward.store.sql;

import dev.ward.audit.AuditChain;
import dev.ward.audit.AuditChainStore;
import dev.ward.audit.Checkpoint;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The chain as stored (docs/decisions/0012-audit-checkpoints.md): {@code audit_heads}, {@code audit_events} read in
 * chain order with the details text as stored (the hash covers that text, so it is never re-serialised here) and
 * {@code audit_checkpoints}.
 */
public final class SqlAuditChainStore implements AuditChainStore {
    private final SqlDatabase db;

    public SqlAuditChainStore(SqlDatabase db) { this.db = db; }

    @Override
    public Optional<Head> head(String tenant) {
        return db.call(h -> h.createQuery("SELECT seq, hash, first_seq, first_prev FROM audit_heads WHERE tenant_id = :t")
                .bind("t", tenant).map((rs, ctx) -> head(rs)).findOne());
    }

    private static Head head(ResultSet rs) throws SQLException {
        return new Head(rs.getLong("seq"), rs.getString("hash"), rs.getLong("first_seq"), rs.getString("first_prev"));
    }

    @Override
    public List<Link> page(String tenant, long afterSeq, long throughSeq, int limit) {
        return db.call(h -> h.createQuery("SELECT chain_seq, at, tenant_id, type, outcome, actor, user_id, session_id, patient_id, "
                        + "ip, details, prev_hash, hash FROM audit_events WHERE tenant_id = :t AND chain_seq > :after "
                        + "AND chain_seq <= :through ORDER BY chain_seq LIMIT :limit")
                .bind("t", tenant).bind("after", afterSeq).bind("through", throughSeq).bind("limit", limit)
                .map((rs, ctx) -> new Link(rs.getLong("chain_seq"), Columns.instant(rs, "at"), rs.getString("tenant_id"),
                        rs.getString("type"), rs.getString("outcome"), rs.getString("actor"), rs.getString("user_id"),
                        rs.getString("session_id"), rs.getString("patient_id"), rs.getString("ip"), rs.getString("details"),
                        rs.getString("prev_hash"), rs.getString("hash")))
                .list());
    }

    @Override
    public boolean existsAt(String tenant, long seq) {
        return db.call(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE tenant_id = :t AND chain_seq = :s")
                .bind("t", tenant).bind("s", seq).mapTo(Long.class).one() > 0);
    }

    @Override
    public List<Checkpoint> checkpointsAfter(String tenant, long afterSeq, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM audit_checkpoints WHERE tenant_id = :t AND seq > :after "
                        + "ORDER BY seq, kind LIMIT :limit")
                .bind("t", tenant).bind("after", afterSeq).bind("limit", limit)
                .map((rs, ctx) -> checkpoint(rs)).list());
    }

    @Override
    public List<Checkpoint> recentCheckpoints(String tenant, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM audit_checkpoints WHERE tenant_id = :t ORDER BY seq DESC, at DESC, kind "
                        + "LIMIT :limit")
                .bind("t", tenant).bind("limit", limit)
                .map((rs, ctx) -> checkpoint(rs)).list());
    }

    private static Checkpoint checkpoint(ResultSet rs) throws SQLException {
        return new Checkpoint(rs.getString("tenant_id"), rs.getLong("seq"), rs.getString("hash"),
                Instant.ofEpochMilli(rs.getLong("at")), rs.getString("kind"), rs.getString("key_id"), rs.getString("signature"));
    }

    @Override
    public List<State> states() {
        return db.call(h -> h.createQuery("SELECT h.tenant_id, h.seq, "
                        + "(SELECT MAX(c.seq) FROM audit_checkpoints c WHERE c.tenant_id = h.tenant_id) AS last_seq, "
                        + "(SELECT MAX(c.at) FROM audit_checkpoints c WHERE c.tenant_id = h.tenant_id) AS last_at "
                        + "FROM audit_heads h ORDER BY h.tenant_id")
                .map((rs, ctx) -> {
                    long lastAt = rs.getLong("last_at");
                    boolean none = rs.wasNull();
                    return new State(rs.getString("tenant_id"), rs.getLong("seq"), rs.getLong("last_seq"),
                            none ? null : Instant.ofEpochMilli(lastAt));
                })
                .list());
    }

    @Override
    public Head lockHead(String tenant) {
        return db.call(h -> {
            h.createUpdate("INSERT INTO audit_heads (tenant_id, seq, hash, first_seq, first_prev) VALUES (:t, 0, :g, 0, :g) "
                    + "ON CONFLICT DO NOTHING").bind("t", tenant).bind("g", AuditChain.GENESIS).execute();
            return h.createQuery("SELECT seq, hash, first_seq, first_prev FROM audit_heads WHERE tenant_id = :t FOR UPDATE")
                    .bind("t", tenant).map((rs, ctx) -> head(rs)).one();
        });
    }

    @Override
    public boolean insertCheckpoint(Checkpoint c) {
        return db.call(h -> h.createUpdate("INSERT INTO audit_checkpoints (tenant_id, seq, hash, at, kind, key_id, signature) "
                        + "VALUES (:t, :seq, :hash, :at, :kind, :kid, :sig) ON CONFLICT DO NOTHING")
                .bind("t", c.tenant()).bind("seq", c.seq()).bind("hash", c.hash()).bind("at", c.at().toEpochMilli())
                .bind("kind", c.kind()).bind("kid", c.keyId()).bind("sig", c.signature()).execute() > 0);
    }

    @Override
    public long pruneThrough(String tenant, long firstSeq, Link newStart) {
        return db.call(h -> {
            int deleted = h.createUpdate("DELETE FROM audit_events WHERE tenant_id = :t AND chain_seq > :first AND chain_seq <= :last")
                    .bind("t", tenant).bind("first", firstSeq).bind("last", newStart.seq()).execute();
            h.createUpdate("UPDATE audit_heads SET first_seq = :s, first_prev = :p WHERE tenant_id = :t")
                    .bind("s", newStart.seq()).bind("p", newStart.hash()).bind("t", tenant).execute();
            return (long) deleted;
        });
    }
}
