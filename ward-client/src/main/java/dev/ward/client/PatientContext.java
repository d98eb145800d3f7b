package dev.ward.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A patient context of a session (API.md "Patient contexts"): opened for one patient, with its own idle and hard
 * limits. {@code lastAccessAt} and {@code accesses} are given by the listing only.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PatientContext(
        @JsonProperty("patient_id") String patientId,
        @JsonProperty("opened_at") Instant openedAt,
        @JsonProperty("last_access_at") Instant lastAccessAt,
        @JsonProperty("expires_at") Instant expiresAt,
        long accesses,
        @JsonProperty("break_glass") boolean breakGlass) {

    /** Patient identifiers stay out of logs. */
    @Override
    public String toString() { return "PatientContext[" + (breakGlass ? "break-glass" : "") + "]"; }
}
