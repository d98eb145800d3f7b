package dev.ward.detect;

import dev.ward.audit.AuditEvent;
import dev.ward.tenant.Policy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Impossible travel: a user's successful login located so far from their last located one that covering the distance
 * in the time between them would take more than {@code detect.max_travel_kmh}. The last located login is kept per
 * user in the database ({@link DetectionStore#lastLogin}), so logins on different nodes are compared.
 */
record ImpossibleTravel(DetectionStore store, Incidents incidents) implements Detector {
    static final String TYPE = "impossible_travel";
    /**
     * Shorter hops never alert: a GeoIP City database places a network, often no closer than a hundred or a few hundred
     * kilometres, so two networks of one city (a hospital's line, a phone's carrier) can be "200 km" apart a minute
     * apart — thousands of km/h out of nothing.
     */
    static final double MIN_KM = 300;
    private static final double EARTH_RADIUS_KM = 6371.0088;

    @Override
    public Set<String> types() { return Set.of("login.succeeded"); }

    @Override
    public boolean look(String tenant, Policy policy, AuditEvent e) {
        Optional<DetectionStore.LocatedLogin> here = located(e);
        if (e.userId() == null || here.isEmpty()) {
            return false; // not located (no GeoIP file, a private address, a network the file does not know): no evidence
        }
        Optional<DetectionStore.LocatedLogin> last = store.lastLogin(tenant, e.userId());
        if (last.isPresent() && last.get().seq() >= e.seq()) {
            return false; // read again after a step that did not commit
        }
        store.setLastLogin(tenant, e.userId(), here.get());
        if (last.isEmpty()) {
            return false;
        }
        DetectionStore.LocatedLogin from = last.get();
        DetectionStore.LocatedLogin to = here.get();
        double km = kilometres(from, to);
        boolean sameCity = to.city() != null && to.city().equals(from.city()) && Objects.equals(to.country(), from.country());
        if (sameCity || km < MIN_KM) {
            return false;
        }
        // Nodes' clocks differ a little, so the later seq may carry the earlier time: the gap is taken either way. Two
        // logins in the same millisecond are no division by zero: any distance past MIN_KM in no time is impossible.
        long millis = Math.abs(Duration.between(from.at(), to.at()).toMillis());
        boolean over = km * 3_600_000 > policy.maxTravelKmh() * (double) millis;
        return incidents.judge(tenant, policy, TYPE, e.userId(), e.at(), over, () -> {
            Map<String, Object> details = Incidents.details("account", policy, policy.maxTravelKmh());
            details.put("from", place(from));
            details.put("to", place(to));
            details.put("distance_km", Math.round(km));
            details.put("seconds", millis / 1000);
            details.put("speed_kmh", Math.round(km * 3_600_000 / Math.max(1, millis)));
            details.put("evidence", List.of(from.seq(), to.seq()));
            return new Incidents.Finding(TYPE, "high", Map.of("user_id", e.userId()), details, e.userId());
        }).isPresent();
    }

    /** The coordinates {@code login.succeeded} carries in {@code details.location} (decimal strings), if any. */
    static Optional<DetectionStore.LocatedLogin> located(AuditEvent e) {
        if (!(e.details().get("location") instanceof Map<?, ?> location)) {
            return Optional.empty();
        }
        try {
            double latitude = Double.parseDouble(String.valueOf(location.get("latitude")));
            double longitude = Double.parseDouble(String.valueOf(location.get("longitude")));
            if (!(Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180)) {
                return Optional.empty(); // NaN included
            }
            return Optional.of(new DetectionStore.LocatedLogin(e.seq(), e.at(), latitude, longitude,
                    text(location.get("country")), text(location.get("city"))));
        } catch (NumberFormatException notCoordinates) {
            return Optional.empty();
        }
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    /** Great-circle distance (haversine, mean Earth radius). */
    static double kilometres(DetectionStore.LocatedLogin a, DetectionStore.LocatedLogin b) {
        double dLat = Math.toRadians(b.latitude() - a.latitude());
        double dLon = Math.toRadians(b.longitude() - a.longitude());
        double h = Math.pow(Math.sin(dLat / 2), 2)
                + Math.cos(Math.toRadians(a.latitude())) * Math.cos(Math.toRadians(b.latitude())) * Math.pow(Math.sin(dLon / 2), 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
    }

    private static Map<String, Object> place(DetectionStore.LocatedLogin l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", l.seq());
        m.put("at", l.at().toString());
        m.put("country", l.country());
        if (l.city() != null) {
            m.put("city", l.city());
        }
        return m;
    }
}
