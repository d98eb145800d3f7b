package dev.ward.audit;

import dev.ward.access.Actor;
import java.util.LinkedHashMap;
import java.util.Map;

/** An event about to be appended; the trail stamps time and sequence. Details must never hold secrets or PHI values. */
public record AuditEntry(String tenant, String type, String outcome, String actor, String userId, String sessionId,
                         String patientId, String ip, Map<String, Object> details) {
    public static final String SUCCESS = "success";
    public static final String FAILURE = "failure";
    public static final String DENIED = "denied";

    public AuditEntry {
        details = Map.copyOf(details);
    }

    public static Builder of(String tenant, String type) { return new Builder(tenant, type); }

    public static final class Builder {
        private final String tenant;
        private final String type;
        private String outcome = SUCCESS;
        private String actor;
        private String userId;
        private String sessionId;
        private String patientId;
        private String ip;
        private final Map<String, Object> details = new LinkedHashMap<>();

        private Builder(String tenant, String type) { this.tenant = tenant; this.type = type; }

        public Builder outcome(String o) { this.outcome = o; return this; }
        public Builder actor(Actor a) { this.actor = a.auditName(); return this; }
        public Builder actor(String a) { this.actor = a; return this; }
        public Builder user(String id) { this.userId = id; return this; }
        public Builder session(String id) { this.sessionId = id; return this; }
        public Builder patient(String id) { this.patientId = id; return this; }
        public Builder ip(String ip) { this.ip = ip; return this; }
        public Builder detail(String k, Object v) { if (v != null) details.put(k, v); return this; }
        public Builder details(Map<String, ?> all) { all.forEach(this::detail); return this; }

        public AuditEntry build() {
            return new AuditEntry(tenant, type, outcome, actor, userId, sessionId, patientId, ip, details);
        }
    }
}
