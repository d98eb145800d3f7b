package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.crypto.KeyRewrap;
import dev.ward.crypto.KeyVersion;
import dev.ward.crypto.Resealable;
import dev.ward.problem.ProblemException;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"Manage a tenant's encryption keys: list, rotate, destroy a version, rewrap stored values.",
                "Works while a server runs on the same data; every server sees a change at once."},
        subcommands = {KeysCommand.ListKeys.class, KeysCommand.Rotate.class, KeysCommand.Destroy.class, KeysCommand.Rewrap.class})
final class KeysCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every keys command takes. */
    static final class Target {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant whose keys to work on.")
        String tenant;

        @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
        Path dataDir;

        /** Runs {@code work} and prints the tenant's versions it returns. */
        int runAndList(String command, Function<Ward.Core, List<KeyVersion>> work) {
            return run(command, core -> {
                print(System.out, tenant, work.apply(core));
                return 0;
            });
        }

        /** Runs {@code work} on the opened data as the operator; refusals (unknown tenant, …) print and exit 2. */
        int run(String command, Function<Ward.Core, Integer> work) {
            PrintStream err = System.err;
            Optional<Config> config = ExistingData.config(command, dataDir, err);
            if (config.isEmpty()) {
                return 2;
            }
            try (Ward.Core core = Ward.Core.open(config.get(), Clock.systemUTC())) {
                // On PostgreSQL a change is then confirmed by every listening server before the command ends.
                core.invalidations().listen();
                return work.apply(core);
            } catch (ProblemException e) {
                err.println(command + ": " + e.detail());
                return 2;
            }
        }
    }

    static final Actor OPERATOR = new Actor.Operator();

    static void print(PrintStream out, String tenant, List<KeyVersion> versions) {
        out.println("Keys of tenant " + tenant + ":");
        if (versions.isEmpty()) {
            out.println("  (none yet: the first is created when the tenant first encrypts something, or by 'keys rotate')");
        }
        out.printf("  %-8s %-10s %-26s %s%n", "version", "state", "created", "destroyed");
        for (KeyVersion v : versions) {
            out.printf("  %-8d %-10s %-26s %s%n", v.version(), v.state().wire(), v.createdAt(),
                    v.destroyedAt() == null ? "" : v.destroyedAt());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tenant's key versions and their state.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.runAndList("ward keys list", core -> core.keys().list(OPERATOR, target.tenant));
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Make a new key version the primary; older versions keep decrypting.",
                    "Then 'keys rewrap' moves stored values onto it."})
    static final class Rotate implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.runAndList("ward keys rotate", core -> core.keys().rotate(OPERATOR, target.tenant));
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = {"Erase a key version: everything sealed under it becomes unreadable, for good (crypto-shredding).",
                    "Refused for the primary, for a version that was the primary less than 10 seconds ago, and while",
                    "values Ward keeps (MFA secrets, session attributes) are still sealed under it: run 'keys rewrap' first.",
                    "Asks first when on a terminal."})
    static final class Destroy implements Callable<Integer> {
        @Mixin
        Target target;

        // Not --version: that is the standard option printing Ward's version (mixinStandardHelpOptions).
        @Option(names = "--key-version", paramLabel = "N", required = true, description = "The key version to destroy.")
        int version;

        @Option(names = "--yes", description = "Do not ask for confirmation.")
        boolean yes;

        @Option(names = "--force", description = {"Destroy even while values Ward keeps are sealed under the version;",
                "they become unreadable too. Implies --yes."})
        boolean force;

        @Override
        public Integer call() {
            if (!yes && !force) {
                Console console = CleanupCommand.terminal();
                if (console == null) {
                    System.err.println("ward keys destroy: refusing to destroy a key without a terminal to confirm; add --yes.");
                    return 2;
                }
                String answer = console.readLine("Destroy key version %d of tenant %s? What it sealed becomes unreadable "
                        + "for good. [y/N] ", version, target.tenant);
                if (answer == null || !answer.trim().equalsIgnoreCase("y")) {
                    System.out.println("Aborted; nothing destroyed.");
                    return 1;
                }
            }
            return target.runAndList("ward keys destroy", core -> core.keys().destroy(OPERATOR, target.tenant, version, force));
        }
    }

    @Command(name = "rewrap", mixinStandardHelpOptions = true,
            description = {"Move every value Ward stores for the tenant (session attributes, MFA secrets, user attributes) onto the primary",
                    "key version, value by value. Safe while servers run; stop it any time and run it again to finish."})
    static final class Rewrap implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() {
            return target.run("ward keys rewrap", core -> {
                PrintStream out = System.out;
                String tenant = target.tenant;
                core.keys().list(OPERATOR, tenant);
                List<Resealable> sources = core.resealables();
                KeyRewrap rewrap = new KeyRewrap(core.keys());
                long total = rewrap.total(tenant, sources);
                out.println("Rewrapping " + total + " value(s) of tenant " + tenant + " ("
                        + sources.stream().map(Resealable::description).collect(Collectors.joining(", "))
                        + ") under key version " + core.keys().primaryVersion(tenant) + ".");
                KeyRewrap.Result result;
                try (Progress progress = Progress.of("Rewrapping", total, out)) {
                    result = rewrap.run(tenant, sources, progress);
                }
                out.println("Rewrapped " + result.rewrapped() + ", already current " + result.current()
                        + ", changed meanwhile " + result.changedMeanwhile() + ", unreadable " + result.unreadable() + ".");
                if (result.changedMeanwhile() > 0) {
                    out.println("Values changed meanwhile were written anew by a server; run again to check them.");
                }
                if (result.unreadable() > 0) {
                    out.println("Unreadable values were sealed under a destroyed key version (shredded) or altered; "
                            + "they stay as they are.");
                }
                return 0;
            });
        }
    }
}
