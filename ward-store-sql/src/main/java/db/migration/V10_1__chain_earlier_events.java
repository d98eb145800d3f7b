package db.migration;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.audit.AuditChain;
import dev.ward.audit.CanonicalJson;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Chains the audit events written before the chain existed (V10): per tenant, in the order they were written, each
 * gets its position, its details in canonical form, its time to the millisecond, and its hash; the tenant's head
 * follows. Such rows had no hash to protect yet, so giving them their canonical form changes nothing that was ever
 * attested. The whole migration is one transaction.
 */
public class V10_1__chain_earlier_events extends BaseJavaMigration {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        List<String> tenants = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT DISTINCT tenant_id FROM audit_events WHERE chain_seq IS NULL ORDER BY tenant_id");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                tenants.add(rs.getString(1));
            }
        }
        try (PreparedStatement update = c.prepareStatement(
                "UPDATE audit_events SET chain_seq = ?, at = ?, details = ?, prev_hash = ?, hash = ? WHERE seq = ?");
             PreparedStatement head = c.prepareStatement(
                     "INSERT INTO audit_heads (tenant_id, seq, hash, first_seq, first_prev) VALUES (?, ?, ?, 0, ?)")) {
            for (String tenant : tenants) {
                long position = 0;
                String prev = AuditChain.GENESIS;
                try (PreparedStatement st = c.prepareStatement("SELECT * FROM audit_events WHERE tenant_id = ? ORDER BY seq")) {
                    st.setString(1, tenant);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            position++;
                            Instant at = rs.getObject("at", OffsetDateTime.class).toInstant().truncatedTo(ChronoUnit.MILLIS);
                            Map<String, Object> details = JSON.readValue(rs.getString("details"), new TypeReference<>() {});
                            String canonical = CanonicalJson.write(details);
                            String hash = AuditChain.hash(prev, tenant, position, at, rs.getString("type"), rs.getString("outcome"),
                                    rs.getString("actor"), rs.getString("user_id"), rs.getString("session_id"),
                                    rs.getString("patient_id"), rs.getString("ip"), canonical);
                            update.setLong(1, position);
                            update.setObject(2, at.atOffset(ZoneOffset.UTC));
                            update.setString(3, canonical);
                            update.setString(4, prev);
                            update.setString(5, hash);
                            update.setLong(6, rs.getLong("seq"));
                            update.addBatch();
                            prev = hash;
                        }
                    }
                }
                update.executeBatch();
                head.setString(1, tenant);
                head.setLong(2, position);
                head.setString(3, prev);
                head.setString(4, AuditChain.GENESIS);
                head.executeUpdate();
            }
        }
    }
}
