package dev.ward.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Ward's session object (API.md "The session object"): who is signed in, how strongly, until when, and which patient
 * contexts are open. Also the request's {@link Principal} under {@code WardFilter}. Never holds the token.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WardSession(
        String id,
        String tenant,
        User user,
        int aal,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("last_seen_at") Instant lastSeenAt,
        @JsonProperty("idle_expires_at") Instant idleExpiresAt,
        @JsonProperty("absolute_expires_at") Instant absoluteExpiresAt,
        long uses,
        EndUser client,
        List<OpenPatient> patients,
        Map<String, List<String>> permissions) implements Principal {

    /** The request attribute under which {@code WardFilter} puts the session. */
    public static final String ATTRIBUTE = WardSession.class.getName();

    /** The signed-in user. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record User(String id, String username, List<String> roles) {
        public User {
            Objects.requireNonNull(id, "user.id");
            Objects.requireNonNull(username, "user.username");
            roles = roles == null ? List.of() : List.copyOf(roles);
        }
    }

    /** An open patient context as the session object lists it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record OpenPatient(@JsonProperty("patient_id") String patientId, @JsonProperty("opened_at") Instant openedAt,
                              @JsonProperty("expires_at") Instant expiresAt) {
        @Override public String toString() { return "OpenPatient[…]"; }
    }

    public WardSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(user, "user");
        patients = patients == null ? List.of() : List.copyOf(patients);
        // A Ward without role × module permissions sends none: then nothing is permitted, never everything.
        permissions = permissions == null ? Map.of() : Map.copyOf(permissions);
    }

    /** The user's name: what {@code getUserPrincipal().getName()} answers under the filter. */
    @Override
    @JsonIgnore
    public String getName() { return user.username(); }

    /** Whether a role of the session's user is {@code role}. */
    public boolean hasRole(String role) { return user.roles().contains(role); }

    /** An enrolment-only session ({@code aal} 0): it may only set up MFA and log out. */
    @JsonIgnore
    public boolean enrollmentOnly() { return aal == 0; }

    /** Whether the session's {@code permissions} grant this action on this module ({@code "*"} grants every action). */
    public boolean permits(Require require) {
        List<String> actions = permissions.get(require.module());
        return actions != null && (actions.contains(require.action()) || actions.contains("*"));
    }

    /** Patient identifiers and client details stay out of logs: only the public session handle is shown. */
    @Override
    public String toString() { return "WardSession[" + id + "]"; }
}
