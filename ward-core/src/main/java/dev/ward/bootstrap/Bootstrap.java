package dev.ward.bootstrap;

import dev.ward.access.Actor;
import dev.ward.crypto.Secrets;
import dev.ward.problem.ProblemException;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import dev.ward.user.UserService;
import java.util.Optional;

/** On an empty database: tenant {@code system} and its user {@code admin}. Safe to run on every start and on many nodes at once. */
public final class Bootstrap {
    public static final String ADMIN_USERNAME = "admin";
    private static final String LOWER = "abcdefghijkmnopqrstuvwxyz";
    private static final String UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private static final String DIGITS = "23456789";
    private static final String SPECIAL = "!#%+-=?@^_";

    private final TenantService tenants;
    private final UserService users;

    public Bootstrap(TenantService tenants, UserService users) {
        this.tenants = tenants;
        this.users = users;
    }

    public sealed interface Outcome {
        record AlreadyDone() implements Outcome {}
        record CreatedWithGivenPassword() implements Outcome {}
        /** The generated password, to be shown once to the operator. */
        record CreatedWithGeneratedPassword(String password) implements Outcome {
            @Override public String toString() { return "CreatedWithGeneratedPassword[<redacted>]"; }
        }
    }

    public Outcome run(Optional<String> configuredPassword) {
        tenants.createIfAbsent(Actor.SYSTEM_TENANT, "System");
        Tenant system = tenants.find(Actor.SYSTEM_TENANT).orElseThrow();
        Optional<String> given = configuredPassword.filter(p -> !p.isEmpty());
        String password = given.orElseGet(Bootstrap::generatePassword);
        boolean created;
        try {
            created = users.createInitialAdmin(system, ADMIN_USERNAME, password);
        } catch (ProblemException weak) {
            throw new IllegalStateException("WARD_BOOTSTRAP_ADMIN_PASSWORD is refused by the password policy: "
                    + weak.detail() + " Choose another, or unset it to have Ward generate one.");
        }
        if (!created) {
            return new Outcome.AlreadyDone();
        }
        return given.isPresent() ? new Outcome.CreatedWithGivenPassword() : new Outcome.CreatedWithGeneratedPassword(password);
    }

    static String generatePassword() {
        String all = LOWER + UPPER + DIGITS + SPECIAL;
        StringBuilder sb = new StringBuilder();
        sb.append(pick(LOWER)).append(pick(UPPER)).append(pick(DIGITS)).append(pick(SPECIAL));
        while (sb.length() < 24) {
            sb.append(pick(all));
        }
        for (int i = sb.length() - 1; i > 0; i--) {
            int j = Secrets.randomInt(i + 1);
            char c = sb.charAt(i);
            sb.setCharAt(i, sb.charAt(j));
            sb.setCharAt(j, c);
        }
        return sb.toString();
    }

    private static char pick(String alphabet) {
        return alphabet.charAt(Secrets.randomInt(alphabet.length()));
    }
}
