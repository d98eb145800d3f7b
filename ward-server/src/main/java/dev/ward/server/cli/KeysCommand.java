package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.crypto.KeyRewrap;
import dev.ward.crypto.KeyVersion;
import dev.ward.crypto.Resealable;
import dev.ward.server.Ward;
import dev.ward.server.http.Views;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"Manage a tenant's encryption keys: list, rotate, destroy a version, rewrap stored values.",
                "Works while a server runs on the same data; every server sees a change at once.",
                "Exit codes: 0 done, 1 a store did not answer or the confirmation was declined, 2 refused (unknown tenant,",
                "a version that may not be destroyed, bad options)."},
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

        @Mixin
        OutputFormat output;

        /** Runs {@code work} and prints the tenant's versions it returns (as the API's key list with --format json). */
        int runAndList(String command, Function<Ward.Core, List<KeyVersion>> work) {
            return run(command, core -> {
                List<KeyVersion> versions = work.apply(core);
                if (output.json()) {
                    System.out.println(OutputFormat.json(Map.of("tenant", tenant,
                            "versions", versions.stream().map(Views::keyVersion).toList())));
                } else {
                    print(System.out, tenant, versions);
                }
                return 0;
            });
        }

        /** Runs {@code work} on the opened data as the operator (refusals: exit 2; a store that does not answer: 1). */
        int run(String command, Function<Ward.Core, Integer> work) {
            if (output.bad(command)) {
                return 2;
            }
            return ExistingData.run(command, dataDir, core -> {
                // On PostgreSQL a change is then confirmed by every listening server before the command ends.
                core.invalidations().listen();
                return work.apply(core);
            });
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
                    target.output.people().println("Aborted; nothing destroyed.");
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
                PrintStream out = target.output.people();
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
                if (target.output.json()) {
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("tenant", tenant);
                    answer.put("key_version", core.keys().primaryVersion(tenant));
                    answer.put("total", total);
                    answer.put("rewrapped", result.rewrapped());
                    answer.put("current", result.current());
                    answer.put("changed_meanwhile", result.changedMeanwhile());
                    answer.put("unreadable", result.unreadable());
                    System.out.println(OutputFormat.json(answer));
                }
                return 0;
            });
        }
    }
}
