package dev.ward.geo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where an address is, as the operator's GeoIP database says (C8): an ISO 3166-1 alpha-2 country, the city where the
 * database knows it (else null), and coordinates (null where unknown).
 */
public record Location(String country, String city, Double latitude, Double longitude) {
    /** API.md's {@code location} object: {@code {"country","city","latitude","longitude"}}, unknown parts left out. */
    public Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("country", country);
        if (city != null) {
            m.put("city", city);
        }
        if (latitude != null && longitude != null) {
            m.put("latitude", latitude);
            m.put("longitude", longitude);
        }
        return m;
    }

    /** The same for audit details, whose canonical JSON has no floating-point numbers: coordinates as decimal strings. */
    public Map<String, Object> auditDetail() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("country", country);
        if (city != null) {
            m.put("city", city);
        }
        if (latitude != null && longitude != null) {
            m.put("latitude", latitude.toString());
            m.put("longitude", longitude.toString());
        }
        return m;
    }
}
