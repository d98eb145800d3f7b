package dev.ward.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.tenant.Policy;
import dev.ward.user.PasswordRules;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BootstrapPasswordTest {
    private static final PasswordRules RULES = PasswordRules.withShippedCommonList();

    @Test
    void generatedAdminPasswordAlwaysPassesThePasswordRules() {
        for (int i = 0; i < 100; i++) {
            String password = Bootstrap.generatePassword();
            assertThat(RULES.check(password, Bootstrap.ADMIN_USERNAME, Policy.defaults().passwordMinLength()))
                    .as("reasons for a generated password").isEmpty();
        }
    }

    @Test
    void generatedPasswordIs24CharactersOfTheUnambiguousAlphabet() {
        for (int i = 0; i < 100; i++) {
            assertThat(Bootstrap.generatePassword()).matches("[abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%+=?@^_-]{24}");
        }
    }

    @Test
    void generatedPasswordsDiffer() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertThat(seen.add(Bootstrap.generatePassword())).isTrue();
        }
    }
}
