package dev.ward.store.sql;

import dev.ward.auth.LoginAttempt;
import dev.ward.auth.LoginAttemptStore;
import dev.ward.geo.Location;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

public final class SqlLoginAttemptStore implements LoginAttemptStore {
    private final SqlDatabase db;

    public SqlLoginAttemptStore(SqlDatabase db) { this.db = db; }

    @Override
    public void append(LoginAttempt a) {
        Location l = a.location().orElse(null);
        db.run(h -> h.createUpdate("INSERT INTO login_attempts (at, tenant_id, username, user_id, outcome, failure_reason, ip, "
                        + "user_agent, country, city, latitude, longitude) "
                        + "VALUES (:at, :t, :username, :uid, :outcome, :reason, :ip, :ua, :country, :city, :lat, :lon)")
                .bind("at", Columns.timestamp(a.at())).bind("t", a.tenant()).bind("username", a.username())
                .bind("uid", a.userId()).bind("outcome", a.outcome()).bind("reason", a.failureReason())
                .bind("ip", a.ip()).bind("ua", a.userAgent())
                .bind("country", l == null ? null : l.country()).bind("city", l == null ? null : clip(l.city()))
                .bind("lat", l == null ? null : l.latitude()).bind("lon", l == null ? null : l.longitude()).execute());
    }

    @Override
    public List<LoginAttempt> recent(String tenant, String username, int limit) {
        return db.call(h -> h.createQuery("SELECT * FROM login_attempts WHERE (:t IS NULL OR tenant_id = :t) "
                        + "AND (:u IS NULL OR username = :u) ORDER BY id DESC LIMIT :limit")
                .bind("t", tenant).bind("u", username).bind("limit", limit)
                .map((rs, ctx) -> new LoginAttempt(Columns.instant(rs, "at"), rs.getString("tenant_id"), rs.getString("username"),
                        rs.getString("user_id"), "succeeded".equals(rs.getString("outcome")), rs.getString("failure_reason"),
                        rs.getString("ip"), rs.getString("user_agent"), location(rs)))
                .list());
    }

    private static Optional<Location> location(ResultSet rs) throws SQLException {
        String country = rs.getString("country");
        if (country == null) {
            return Optional.empty();
        }
        double lat = rs.getDouble("latitude");
        Double latitude = rs.wasNull() ? null : lat;
        double lon = rs.getDouble("longitude");
        Double longitude = rs.wasNull() ? null : lon;
        return Optional.of(new Location(country, rs.getString("city"), latitude, longitude));
    }

    private static String clip(String s) {
        return s == null || s.length() <= 200 ? s : s.substring(0, 200);
    }
}
