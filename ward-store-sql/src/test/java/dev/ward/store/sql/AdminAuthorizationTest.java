package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ward.access.Actor;
import dev.ward.access.Scope;
import dev.ward.apikey.ApiKeyService;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditTrail;
import dev.ward.auth.LoginService;
import dev.ward.problem.ProblemException;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.UserService;
import dev.ward.user.UserView;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminAuthorizationTest extends StoreContract {
    private static final String PASSWORD = "Correct-Horse-9!";

    private static final Actor OPERATOR = new Actor.Operator();
    private static final Actor SYSTEM_ADMIN = new Actor.User("system", "usr_root", "admin", Set.of("admin"), "ses_root");
    private static final Actor ADMIN_A = new Actor.User("hosp-a", "usr_adm_a", "boss", Set.of("admin"), "ses_a");
    private static final Actor PROVIDER_A = new Actor.User("hosp-a", "usr_doc_a", "doc", Set.of("provider"), "ses_doc");
    private static final Actor SESSIONS_KEY_A = new Actor.ApiKey("hosp-a", "key_sess_a", Set.of(Scope.SESSIONS, Scope.CRYPTO));
    private static final Actor ADMIN_KEY_A = new Actor.ApiKey("hosp-a", "key_adm_a", Set.of(Scope.ADMIN));
    private static final Actor ADMIN_KEY_SYSTEM = new Actor.ApiKey("system", "key_adm_sys", Set.of(Scope.ADMIN));

    private StoreFixture w;
    private AuditTrail audit;
    private TenantService tenants;
    private UserService users;
    private ApiKeyService apiKeys;
    private LoginService login;

    @BeforeEach
    void setUp() {
        w = fixture("authz");
        audit = w.audit;
        tenants = w.tenants;
        users = w.users;
        apiKeys = w.apiKeys;
        login = w.login;

        tenants.createIfAbsent("system", "System");
        tenants.create(OPERATOR, "hosp-a", "Hospital A", Map.of());
        tenants.create(OPERATOR, "hosp-b", "Hospital B", Map.of());
    }

    private static ProblemException refusal(ThrowingCallable call) {
        ProblemException e = catchThrowableOfType(ProblemException.class, call);
        assertThat(e).as("expected a refusal").isNotNull();
        return e;
    }

    private List<AuditEvent> crossTenantDenials(String tenant) {
        return audit.recent(tenant, "security.cross_tenant_denied", 100);
    }

    private String userInB() {
        return users.create(OPERATOR, "hosp-b", "bob", PASSWORD, List.of("staff")).user().id();
    }

    @Test
    void tenantAdminCreatesUsersInItsOwnTenant() {
        UserView created = users.create(ADMIN_A, "hosp-a", "alice", PASSWORD, List.of("provider"));

        assertThat(created.user().tenant()).isEqualTo("hosp-a");
        assertThat(created.user().username()).isEqualTo("alice");
        assertThat(users.list(ADMIN_A, "hosp-a")).extracting(v -> v.user().username()).containsExactly("alice");
        assertThat(audit.recent("hosp-a", "admin.user_created", 1).getFirst().actor()).isEqualTo("user:usr_adm_a");
    }

    @Test
    void tenantAdminIsForbiddenInAnotherTenantAndTheAttemptIsAudited() {
        ProblemException e = refusal(() -> users.create(ADMIN_A, "hosp-b", "mole", PASSWORD, List.of("admin")));

        assertThat(e.code()).isEqualTo("forbidden");
        assertThat(e.status()).isEqualTo(403);
        assertThat(users.list(OPERATOR, "hosp-b")).isEmpty();
        AuditEvent denied = crossTenantDenials("hosp-a").getFirst();
        assertThat(denied.outcome()).isEqualTo("denied");
        assertThat(denied.actor()).isEqualTo("user:usr_adm_a");
        assertThat(denied.details()).containsEntry("target_tenant", "hosp-b");
    }

    @Test
    void crossTenantRefusalDoesNotRevealWhetherTheTenantExists() {
        ProblemException existing = refusal(() -> users.create(ADMIN_A, "hosp-b", "mole", PASSWORD, List.of("staff")));
        ProblemException missing = refusal(() -> users.create(ADMIN_A, "nowhere", "mole", PASSWORD, List.of("staff")));

        assertThat(missing.code()).isEqualTo(existing.code()).isEqualTo("forbidden");
        assertThat(missing.detail()).isEqualTo(existing.detail());
    }

    @Test
    void everyUserOperationOnAnotherTenantIsForbiddenAndAudited() {
        String bob = userInB();
        List<ThrowingCallable> calls = List.of(
                () -> users.get(ADMIN_A, "hosp-b", bob),
                () -> users.list(ADMIN_A, "hosp-b"),
                () -> users.unlock(ADMIN_A, "hosp-b", bob),
                () -> users.disable(ADMIN_A, "hosp-b", bob),
                () -> users.enable(ADMIN_A, "hosp-b", bob),
                () -> users.setRoles(ADMIN_A, "hosp-b", bob, List.of("admin")));

        for (ThrowingCallable call : calls) {
            assertThat(refusal(call).code()).isEqualTo("forbidden");
        }

        assertThat(crossTenantDenials("hosp-a")).hasSize(calls.size());
        UserView untouched = users.get(OPERATOR, "hosp-b", bob);
        assertThat(untouched.user().disabled()).isFalse();
        assertThat(untouched.user().roles()).containsExactly("staff");
    }

    @Test
    void tenantAdminCannotReadOrChangeAnotherTenantsPolicyOrKeys() {
        assertThat(refusal(() -> tenants.get(ADMIN_A, "hosp-b")).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> tenants.updatePolicy(ADMIN_A, "hosp-b", Map.of("login", Map.of("max_failures", 1000)))).code())
                .isEqualTo("forbidden");
        assertThat(refusal(() -> apiKeys.create(ADMIN_A, "hosp-b", "stolen", List.of("admin"))).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> apiKeys.list(ADMIN_A, "hosp-b")).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> login.history(ADMIN_A, "hosp-b", null, 10)).code()).isEqualTo("forbidden");

        assertThat(tenants.get(OPERATOR, "hosp-b").policy().maxLoginFailures()).isEqualTo(5);
        assertThat(apiKeys.list(OPERATOR, "hosp-b")).isEmpty();
        assertThat(crossTenantDenials("hosp-a")).hasSize(5);
    }

    @Test
    void tenantAdminManagesItsOwnTenantsPolicy() {
        Tenant updated = tenants.updatePolicy(ADMIN_A, "hosp-a", Map.of("login", Map.of("max_failures", 7)));

        assertThat(updated.policyVersion()).isEqualTo(2);
        assertThat(tenants.get(ADMIN_A, "hosp-a").policy().maxLoginFailures()).isEqualTo(7);
        assertThat(tenants.get(ADMIN_A, "hosp-a").policyVersion()).isEqualTo(2);
    }

    @Test
    void providerIsForbiddenInItsOwnTenantWithoutACrossTenantEvent() {
        ProblemException e = refusal(() -> users.create(PROVIDER_A, "hosp-a", "alice", PASSWORD, List.of("staff")));

        assertThat(e.code()).isEqualTo("forbidden");
        assertThat(users.list(OPERATOR, "hosp-a")).isEmpty();
        assertThat(crossTenantDenials("hosp-a")).isEmpty();
    }

    @Test
    void providerCannotListTenantsNorChangePolicy() {
        assertThat(refusal(() -> tenants.list(PROVIDER_A)).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> tenants.updatePolicy(PROVIDER_A, "hosp-a", Map.of("login", Map.of("max_failures", 99)))).code())
                .isEqualTo("forbidden");
    }

    @Test
    void apiKeyWithoutAdminScopeGetsInsufficientScope() {
        ProblemException e = refusal(() -> users.create(SESSIONS_KEY_A, "hosp-a", "alice", PASSWORD, List.of("staff")));

        assertThat(e.code()).isEqualTo("insufficient_scope");
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.extensions()).containsEntry("required_scope", "admin");
        assertThat(users.list(OPERATOR, "hosp-a")).isEmpty();
    }

    @Test
    void apiKeyWithAdminScopeAdministersOnlyItsTenant() {
        assertThat(users.create(ADMIN_KEY_A, "hosp-a", "alice", PASSWORD, List.of("staff")).user().tenant()).isEqualTo("hosp-a");

        assertThat(refusal(() -> users.create(ADMIN_KEY_A, "hosp-b", "mole", PASSWORD, List.of("staff"))).code()).isEqualTo("forbidden");
        assertThat(crossTenantDenials("hosp-a")).singleElement()
                .satisfies(ev -> assertThat(ev.actor()).isEqualTo("api_key:key_adm_a"));
    }

    @Test
    void onlyASystemAdministratorCreatesTenants() {
        assertThat(tenants.create(OPERATOR, "hosp-c", "C", Map.of()).id()).isEqualTo("hosp-c");
        assertThat(tenants.create(SYSTEM_ADMIN, "hosp-d", "D", Map.of()).id()).isEqualTo("hosp-d");
        assertThat(tenants.create(ADMIN_KEY_SYSTEM, "hosp-e", "E", Map.of()).id()).isEqualTo("hosp-e");

        assertThat(refusal(() -> tenants.create(ADMIN_A, "hosp-f", "F", Map.of())).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> tenants.create(ADMIN_KEY_A, "hosp-f", "F", Map.of())).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> tenants.create(PROVIDER_A, "hosp-f", "F", Map.of())).code()).isEqualTo("forbidden");
        assertThat(refusal(() -> tenants.create(SESSIONS_KEY_A, "hosp-f", "F", Map.of())).code()).isEqualTo("insufficient_scope");
        Actor systemProvider = new Actor.User("system", "usr_sp", "sp", Set.of("provider"), "ses_sp");
        assertThat(refusal(() -> tenants.create(systemProvider, "hosp-f", "F", Map.of())).code()).isEqualTo("forbidden");

        assertThat(tenants.find("hosp-f")).isEmpty();
    }

    @Test
    void tenantIdIsValidatedAndDuplicatesConflict() {
        assertThat(refusal(() -> tenants.create(OPERATOR, "Bad Id", "X", Map.of())).code()).isEqualTo("validation_failed");
        assertThat(refusal(() -> tenants.create(OPERATOR, "hosp-a", "Again", Map.of())).code()).isEqualTo("tenant_exists");
    }

    @Test
    void tenantListOfATenantAdminHoldsOnlyItsTenant() {
        assertThat(tenants.list(ADMIN_A)).extracting(Tenant::id).containsExactly("hosp-a");
        assertThat(tenants.list(ADMIN_KEY_A)).extracting(Tenant::id).containsExactly("hosp-a");
    }

    @Test
    void tenantListOfASystemAdministratorHoldsEveryTenant() {
        assertThat(tenants.list(SYSTEM_ADMIN)).extracting(Tenant::id).containsExactly("hosp-a", "hosp-b", "system");
        assertThat(tenants.list(OPERATOR)).extracting(Tenant::id).containsExactly("hosp-a", "hosp-b", "system");
    }

    @Test
    void systemAdministratorAdministersEveryTenant() {
        String bob = userInB();
        users.disable(SYSTEM_ADMIN, "hosp-b", bob);
        assertThat(users.get(SYSTEM_ADMIN, "hosp-b", bob).user().disabled()).isTrue();
        assertThat(crossTenantDenials("system")).isEmpty();
    }

    @Test
    void userIdOfAnotherTenantIsNotFoundInsideOnesOwnTenant() {
        String bob = userInB();
        ProblemException e = refusal(() -> users.disable(ADMIN_A, "hosp-a", bob));
        assertThat(e.code()).isEqualTo("user_not_found");
        assertThat(users.get(OPERATOR, "hosp-b", bob).user().disabled()).isFalse();
    }

    @Test
    void weakPasswordIsRefusedWithEveryReason() {
        ProblemException e = refusal(() -> users.create(ADMIN_A, "hosp-a", "alice", "alice", List.of("staff")));
        assertThat(e.code()).isEqualTo("weak_password");
        assertThat(e.status()).isEqualTo(422);
        @SuppressWarnings("unchecked")
        List<Map<String, String>> reasons = (List<Map<String, String>>) e.extensions().get("reasons");
        assertThat(reasons).extracting(r -> r.get("code"))
                .contains("too_short", "missing_uppercase", "missing_digit", "missing_special", "contains_username");
    }

    @Test
    void duplicateUsernameConflictsCaseInsensitively() {
        users.create(ADMIN_A, "hosp-a", "alice", PASSWORD, List.of("staff"));
        assertThat(refusal(() -> users.create(ADMIN_A, "hosp-a", "ALICE", PASSWORD, List.of("staff"))).code()).isEqualTo("user_exists");
    }

    @Test
    void sameUsernameMayExistInTwoTenants() {
        users.create(ADMIN_A, "hosp-a", "alice", PASSWORD, List.of("staff"));
        assertThat(users.create(OPERATOR, "hosp-b", "alice", PASSWORD, List.of("staff")).user().tenant()).isEqualTo("hosp-b");
    }
}
