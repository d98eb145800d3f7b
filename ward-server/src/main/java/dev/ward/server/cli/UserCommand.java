package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.server.Ward;
import dev.ward.user.UserView;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ward user ...}: a tenant's users from the machine Ward runs on, as the local operator (audited as
 * {@code operator}). The way back in when the only administrator lost their password or second factor, as
 * Django's {@code changepassword} and Keycloak's {@code bootstrap-admin} are.
 */
@Command(name = "user", mixinStandardHelpOptions = true,
        header = "Administer a tenant's users as the operator: the way back in for a locked-out administrator.",
        description = {"Works while a server runs on the same data. Every change is audited with actor 'operator'.",
                "Exit codes: 0 done, 1 a store did not answer, 2 refused (unknown tenant or user, a weak password, bad options).",
                "Example: ./ward user reset-mfa --tenant system --username admin"},
        subcommands = {UserCommand.ListUsers.class, UserCommand.Show.class, UserCommand.Create.class, UserCommand.Unlock.class,
                UserCommand.Disable.class, UserCommand.Enable.class, UserCommand.ResetMfa.class, UserCommand.SetPassword.class})
final class UserCommand implements Runnable {
    private static final Actor OPERATOR = new Actor.Operator();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The tenant and data every user command works on. */
    static final class Tenant {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant (e.g. system).")
        String tenant;

        @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
        Path dataDir;
    }

    /** One user of a tenant, by username. */
    static final class Target {
        @Mixin
        Tenant where;

        @Option(names = "--username", paramLabel = "U", required = true, description = "The user's username.")
        String username;

        /** Finds the user and runs {@code work} on it as the operator. */
        int run(String command, BiFunction<Ward.Core, UserView, String> work) {
            return ExistingData.run(command, where.dataDir, core -> {
                UserView user = core.users().byUsername(OPERATOR, where.tenant, username);
                System.out.println(work.apply(core, user));
                return 0;
            });
        }

        String who() { return where.tenant + "/" + username; }
    }

    /** A user as {@code --format json} prints it: the API's user object, never a secret. */
    static java.util.Map<String, Object> view(UserView u) { return dev.ward.server.http.Views.user(u); }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List the tenant's users and their status.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        Tenant where;

        @Mixin
        OutputFormat output;

        @Override
        public Integer call() {
            if (output.bad("ward user list")) {
                return 2;
            }
            return ExistingData.run("ward user list", where.dataDir, core -> {
                PrintStream out = System.out;
                List<UserView> users = core.users().list(OPERATOR, where.tenant);
                if (output.json()) {
                    out.println(OutputFormat.json(java.util.Map.of("users", users.stream().map(UserCommand::view).toList())));
                    return 0;
                }
                out.printf("%-32s %-26s %-9s %-4s %s%n", "username", "id", "status", "mfa", "roles");
                for (UserView u : users) {
                    out.printf("%-32s %-26s %-9s %-4s %s%n", u.user().username(), u.user().id(), u.status().wire(),
                            u.user().mfaEnabled() ? "yes" : "no", String.join(",", u.user().roles()));
                }
                out.println(users.size() + " user(s).");
                return 0;
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, header = "Show one user: id, roles, status, MFA.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Target target;

        @Mixin
        OutputFormat output;

        @Override
        public Integer call() {
            if (output.bad("ward user show")) {
                return 2;
            }
            return target.run("ward user show", (core, u) -> output.json() ? OutputFormat.json(view(u)) : String.join(System.lineSeparator(),
                    "username: " + u.user().username(),
                    "id:       " + u.user().id(),
                    "tenant:   " + u.user().tenant(),
                    "roles:    " + String.join(",", u.user().roles()),
                    "status:   " + u.status().wire() + (u.lockedUntil() == null ? "" : " until " + u.lockedUntil()),
                    "mfa:      " + (u.user().mfaEnabled() ? "enabled" : "not enabled"),
                    "created:  " + u.user().createdAt()));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            header = "Create a user; the password is read without echo, or from standard input.",
            description = "The tenant's password policy applies. A new administrator of tenant system administers every tenant.")
    static final class Create implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--role", paramLabel = "ROLE", description = "A role (repeat for more), e.g. --role admin.")
        List<String> roles = List.of();

        @Mixin
        NewPassword password;

        @Override
        public Integer call() {
            Optional<String> pw = password.read("ward user create", target.who());
            if (pw.isEmpty()) {
                return 2;
            }
            return ExistingData.run("ward user create", target.where.dataDir, core -> {
                UserView u = core.users().create(OPERATOR, target.where.tenant, target.username, pw.get(), roles);
                System.out.println("Created user " + target.where.tenant + "/" + u.user().username() + " (" + u.user().id() + ").");
                return 0;
            });
        }
    }

    @Command(name = "unlock", mixinStandardHelpOptions = true, header = "Clear a user's lockout after failed sign-ins.")
    static final class Unlock implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.run("ward user unlock", (core, u) -> {
                core.users().unlock(OPERATOR, target.where.tenant, u.user().id());
                return "Unlocked " + target.who() + ".";
            });
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, header = "Disable a user and end their sessions.")
    static final class Disable implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.run("ward user disable", (core, u) -> {
                core.users().disable(OPERATOR, target.where.tenant, u.user().id());
                return "Disabled " + target.who() + "; their sessions ended.";
            });
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, header = "Enable a disabled user again.")
    static final class Enable implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.run("ward user enable", (core, u) -> {
                core.users().enable(OPERATOR, target.where.tenant, u.user().id());
                return "Enabled " + target.who() + ".";
            });
        }
    }

    @Command(name = "reset-mfa", mixinStandardHelpOptions = true,
            header = "Remove a user's second factor and end their sessions; their next sign-in enrols again.",
            description = "For a user who lost both their authenticator and their backup codes.")
    static final class ResetMfa implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.run("ward user reset-mfa", (core, u) -> {
                core.mfa().reset(OPERATOR, target.where.tenant, u.user().id());
                return "Reset the MFA of " + target.who() + "; their sessions ended. Their next sign-in enrols a new factor.";
            });
        }
    }

    @Command(name = "set-password", mixinStandardHelpOptions = true,
            header = "Set a user's password and end their sessions; the password is read without echo, or from standard input.",
            description = {"The tenant's password policy applies. The password is never taken as an argument, which",
                    "would leave it in the shell history and the process list."})
    static final class SetPassword implements Callable<Integer> {
        @Mixin
        Target target;

        @Mixin
        NewPassword password;

        @Override
        public Integer call() {
            Optional<String> pw = password.read("ward user set-password", target.who());
            if (pw.isEmpty()) {
                return 2;
            }
            return target.run("ward user set-password", (core, u) -> {
                core.users().setPassword(OPERATOR, target.where.tenant, u.user().id(), pw.get());
                return "Set the password of " + target.who() + "; their sessions ended.";
            });
        }
    }

    /** A new password: typed twice without echo on a terminal, or the first line of standard input. */
    static final class NewPassword {
        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input (for scripts).")
        boolean fromStdin;

        /** The password, or empty after saying why not. */
        Optional<String> read(String command, String who) {
            if (fromStdin) {
                try {
                    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    if (line == null || line.isEmpty()) {
                        System.err.println(command + ": standard input held no password.");
                        return Optional.empty();
                    }
                    return Optional.of(line);
                } catch (IOException e) {
                    System.err.println(command + ": cannot read standard input.");
                    return Optional.empty();
                }
            }
            Console console = CleanupCommand.terminal();
            if (console == null) {
                System.err.println(command + ": no terminal to type the password on; pipe it in with --password-stdin.");
                return Optional.empty();
            }
            char[] first = console.readPassword("New password for %s: ", who);
            char[] again = console.readPassword("Again: ");
            try {
                if (first == null || again == null || first.length == 0) {
                    System.err.println(command + ": no password given; nothing changed.");
                    return Optional.empty();
                }
                if (!Arrays.equals(first, again)) {
                    System.err.println(command + ": the two passwords differ; nothing changed.");
                    return Optional.empty();
                }
                return Optional.of(new String(first));
            } finally {
                if (first != null) {
                    Arrays.fill(first, '\0');
                }
                if (again != null) {
                    Arrays.fill(again, '\0');
                }
            }
        }
    }
}
