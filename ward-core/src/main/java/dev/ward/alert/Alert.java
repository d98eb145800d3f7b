package dev.ward.alert;

import java.time.Instant;
import java.util.Map;

/**
 * Something an administrator must look at (C8): a break of the glass now, the detectors later. {@code subject} and
 * {@code details} hold identifiers and codes only, never patient data.
 */
public record Alert(String id, String tenant, Instant at, String type, String severity, String status,
                    Map<String, Object> subject, Map<String, Object> details) {
    public static final String OPEN = "open";
    public static final String ACKNOWLEDGED = "acknowledged";

    public Alert {
        subject = Map.copyOf(subject);
        details = Map.copyOf(details);
    }
}
