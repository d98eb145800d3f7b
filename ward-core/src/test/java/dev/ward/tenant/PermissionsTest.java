package dev.ward.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ward.problem.ProblemException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Policy {@code permissions} (C10): role × module grants, their union over a session's roles, and their validation. */
class PermissionsTest {
    static final Map<String, Object> SEED = Map.of(
            "provider", Map.of("patients", List.of("write", "read"), "pharmacy", List.of("read")),
            "pharmacist", Map.of("pharmacy", List.of("*", "read")),
            "clerk", Map.of("schedule", List.of("read", "write", "read")));

    private static Policy with(Object permissions) {
        return Policy.defaults().merge(Map.of("permissions", permissions));
    }

    private static ProblemException refusal(Object permissions) {
        ProblemException e = catchThrowableOfType(ProblemException.class, () -> with(permissions));
        assertThat(e).as("permissions %s must be refused", permissions).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("validation_failed");
        return e;
    }

    @Test
    void aSessionHoldsTheUnionOverItsRolesAndAWildcardStandsAlone() {
        Permissions p = with(SEED).permissions();
        assertThat(p.of(List.of("provider"))).containsExactly(
                Map.entry("patients", List.of("read", "write")), Map.entry("pharmacy", List.of("read")));
        assertThat(p.of(List.of("provider", "pharmacist")))
                .containsEntry("pharmacy", List.of("*")).containsEntry("patients", List.of("read", "write"));
        assertThat(p.of(List.of("clerk"))).containsExactly(Map.entry("schedule", List.of("read", "write")));
        assertThat(p.of(List.of("nurse"))).as("no entry is no permission").isEmpty();
        assertThat(p.of(List.of())).isEmpty();
        assertThat(Policy.defaults().permissions().of(List.of("provider"))).as("the default grants nothing").isEmpty();
        assertThat(p.of(List.of("provider"))).as("asked again: the cached union").isSameAs(p.of(List.of("provider")));
    }

    @Test
    void aPatchReplacesARoleWholesaleAndNullOrEmptyRemovesIt() {
        Policy p = with(SEED);
        Policy fewer = p.merge(Map.of("permissions", Map.of("provider", Map.of("patients", List.of("read")))));
        assertThat(fewer.permissions().of(List.of("provider"))).as("pharmacy taken away")
                .containsExactly(Map.entry("patients", List.of("read")));
        assertThat(fewer.permissions().of(List.of("clerk"))).as("other roles untouched").isNotEmpty();
        Map<String, Object> removal = new HashMap<>();
        removal.put("clerk", null);
        removal.put("pharmacist", Map.of());
        Policy removed = p.merge(Map.of("permissions", removal));
        assertThat(removed.permissions().toMap()).containsOnlyKeys("provider");
        assertThat(p.permissions().toMap()).as("the original is untouched").containsOnlyKeys("provider", "pharmacist", "clerk");
    }

    @Test
    void theNestedAndStoredFormsCarryThemAndRoundTrip() {
        Policy p = with(SEED);
        @SuppressWarnings("unchecked")
        Map<String, Object> perms = (Map<String, Object>) p.toNestedMap().get("permissions");
        assertThat(perms).containsEntry("pharmacist", Map.of("pharmacy", List.of("*")));
        assertThat(Policy.fromStored(p.toStoredMap())).isEqualTo(p);
        assertThat(Policy.fromStored(p.toStoredMap()).permissions().of(List.of("provider")))
                .isEqualTo(p.permissions().of(List.of("provider")));
        assertThat(Policy.fromStored(Map.of()).permissions().isEmpty()).isTrue();
        assertThat(p).isNotEqualTo(Policy.defaults());
    }

    @Test
    void badShapesAndNamesAreRefusedNamingTheField() {
        assertThat(refusal("all").detail()).contains("policy.permissions must be an object");
        assertThat(refusal(Map.of("Provider", Map.of())).extensions().get("field")).isEqualTo("policy.permissions.Provider");
        assertThat(refusal(Map.of("provider", List.of("patients"))).extensions().get("field")).isEqualTo("policy.permissions.provider");
        assertThat(refusal(Map.of("provider", Map.of("pat ients", List.of("read")))).extensions().get("field"))
                .isEqualTo("policy.permissions.provider.pat ients");
        assertThat(refusal(Map.of("provider", Map.of("patients", "read"))).detail()).contains("must be an array of actions");
        assertThat(refusal(Map.of("provider", Map.of("patients", List.of("read", 7)))).extensions().get("field"))
                .isEqualTo("policy.permissions.provider.patients");
        assertThat(refusal(Map.of("provider", Map.of("patients", List.of("re*d")))).code()).isEqualTo("validation_failed");
        assertThat(refusal(Map.of("provider", Map.of("patients", List.of("x".repeat(33))))).code()).isEqualTo("validation_failed");
    }

    @Test
    void sizesAreBounded() {
        Map<String, Object> roles = new HashMap<>();
        for (int i = 0; i <= Permissions.MAX_ROLES; i++) {
            roles.put("role" + i, Map.of("m", List.of("read")));
        }
        assertThat(refusal(roles).detail()).contains("at most " + Permissions.MAX_ROLES + " roles");
        Map<String, Object> modules = new HashMap<>();
        for (int i = 0; i <= Permissions.MAX_MODULES; i++) {
            modules.put("m" + i, List.of("read"));
        }
        assertThat(refusal(Map.of("provider", modules)).detail()).contains("at most " + Permissions.MAX_MODULES + " modules");
        List<String> actions = new java.util.ArrayList<>();
        for (int i = 0; i <= Permissions.MAX_ACTIONS; i++) {
            actions.add("a" + i);
        }
        assertThat(refusal(Map.of("provider", Map.of("m", actions))).detail()).contains("at most " + Permissions.MAX_ACTIONS + " actions");
    }

    @Test
    void namesAreThoseARequireMayAskFor() {
        assertThat(Permissions.isName("pharmacy")).isTrue();
        assertThat(Permissions.isName("e-prescribing_2")).isTrue();
        assertThat(Permissions.isName("*")).as("a wildcard is granted, never asked for").isFalse();
        assertThat(Permissions.isName("Pharmacy")).isFalse();
        assertThat(Permissions.isName("")).isFalse();
        assertThat(Permissions.isName(null)).isFalse();
    }
}
