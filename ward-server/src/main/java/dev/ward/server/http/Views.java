package dev.ward.server.http;

import dev.ward.access.Scope;
import dev.ward.apikey.ApiKey;
import dev.ward.auth.LoginAttempt;
import dev.ward.crypto.KeyVersion;
import dev.ward.session.Session;
import dev.ward.tenant.Tenant;
import dev.ward.user.User;
import dev.ward.user.UserView;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of API.md, built from domain records (the CLI's {@code --format json} too). Never includes hashes or tokens. */
public final class Views {
    private Views() {}

    public static String time(Instant t) { return t == null ? null : t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString(); }

    public static Map<String, Object> keyVersion(KeyVersion k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", k.version());
        m.put("state", k.state().wire());
        m.put("created_at", time(k.createdAt()));
        m.put("destroyed_at", time(k.destroyedAt()));
        return m;
    }

    public static Map<String, Object> tenant(Tenant t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("name", t.name());
        m.put("policy", t.policy().toNestedMap());
        m.put("policy_version", t.policyVersion());
        m.put("created_at", time(t.createdAt()));
        return m;
    }

    public static Map<String, Object> user(UserView v) {
        User u = v.user();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id());
        m.put("tenant", u.tenant());
        m.put("username", u.username());
        m.put("roles", u.roles());
        m.put("status", v.status().wire());
        m.put("locked_until", time(v.lockedUntil()));
        m.put("mfa_enabled", u.mfaEnabled());
        m.put("created_at", time(u.createdAt()));
        return m;
    }

    static Map<String, Object> userRef(String id, String username, List<String> roles) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("username", username);
        m.put("roles", roles);
        return m;
    }

    static Map<String, Object> apiKey(ApiKey k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("tenant", k.tenant());
        m.put("name", k.name());
        m.put("scopes", k.scopes().stream().map(Scope::wire).sorted().toList());
        m.put("created_at", time(k.createdAt()));
        m.put("revoked_at", time(k.revokedAt()));
        return m;
    }

    static Map<String, Object> session(Session s, Map<String, List<String>> permissions) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("tenant", s.tenant());
        m.put("user", userRef(s.userId(), s.username(), s.roles()));
        m.put("aal", s.aal());
        m.put("created_at", time(s.createdAt()));
        m.put("last_seen_at", time(s.lastSeenAt()));
        m.put("idle_expires_at", time(s.idleExpiresAt()));
        m.put("absolute_expires_at", time(s.absoluteExpiresAt()));
        m.put("uses", s.uses());
        m.put("client", Map.of("ip", s.client().ip(), "user_agent", s.client().userAgent()));
        m.put("patients", List.of());
        m.put("permissions", permissions);
        return m;
    }

    /**
     * The session object with its {@code client.location} where the GeoIP database locates the address (C8: login
     * history and session lists show where a session is).
     */
    static Map<String, Object> locatedSession(Session session, Map<String, List<String>> permissions,
                                              dev.ward.geo.Geolocation geo) {
        Map<String, Object> view = session(session, permissions);
        geo.locate(session.client().ip()).ifPresent(l -> {
            Map<String, Object> client = new LinkedHashMap<>();
            client.put("ip", session.client().ip());
            client.put("user_agent", session.client().userAgent());
            client.put("location", l.view());
            view.put("client", client);
        });
        return view;
    }

    /** A patient context as the session object lists it. */
    static Map<String, Object> patientRef(dev.ward.patient.PatientContext c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("patient_id", c.patientId());
        m.put("opened_at", time(c.openedAt()));
        m.put("expires_at", time(c.expiresAt()));
        return m;
    }

    /** A patient context in full ({@code GET /v1/session/patients}). */
    static Map<String, Object> patientContext(dev.ward.patient.PatientContext c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("patient_id", c.patientId());
        m.put("opened_at", time(c.openedAt()));
        m.put("last_access_at", time(c.lastAccessAt()));
        m.put("expires_at", time(c.expiresAt()));
        m.put("accesses", c.accesses());
        m.put("break_glass", c.breakGlass());
        return m;
    }

    static Map<String, Object> loginAttempt(LoginAttempt a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", time(a.at()));
        m.put("tenant", a.tenant());
        m.put("username", a.username());
        m.put("user_id", a.userId());
        m.put("outcome", a.outcome());
        m.put("failure_reason", a.failureReason());
        m.put("ip", a.ip());
        m.put("user_agent", a.userAgent());
        a.location().ifPresent(l -> m.put("location", l.view()));
        return m;
    }
}
