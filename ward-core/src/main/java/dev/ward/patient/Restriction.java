package dev.ward.patient;

import java.time.Instant;
import java.util.List;

/** A patient an app marked restricted, and the users (its care team) who open it without breaking the glass. */
public record Restriction(String tenant, String patientId, List<String> careTeam, Instant updatedAt, String updatedBy) {
    public Restriction {
        careTeam = List.copyOf(careTeam);
    }
}
