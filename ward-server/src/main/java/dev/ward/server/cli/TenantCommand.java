package dev.ward.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.tenant.Tenant;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ward tenant ...}: tenants and their policies from the machine Ward runs on, as the local operator (every
 * change audited with actor {@code operator}, as {@code ward user} is). The same checks as the HTTP API: a policy patch
 * is validated whole and applied whole or not at all.
 */
@Command(name = "tenant", mixinStandardHelpOptions = true,
        header = "List, show and create tenants; read and change a tenant's policy, as the operator.",
        description = {"Works while a server runs on the same data. Every change is audited with actor 'operator'.",
                "Exit codes: 0 done, 1 the database (or Redis) did not answer, 2 refused (unknown tenant, a bad policy value, bad options).",
                "Example: ./ward tenant policy --tenant stmarys --set session.idle_timeout_seconds=900"},
        subcommands = {TenantCommand.ListTenants.class, TenantCommand.Show.class, TenantCommand.Create.class,
                TenantCommand.PolicyCommand.class})
final class TenantCommand implements Runnable {
    private static final Actor OPERATOR = new Actor.Operator();
    private static final ObjectMapper JSON = OutputFormat.mapper();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the data is, and how to print. */
    static final class Common {
        @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
        Path dataDir;

        @Mixin
        OutputFormat output;

        boolean badFormat(String command) { return output.bad(command); }

        boolean json() { return output.json(); }

        /** Checks the format and builds the policy patch (exit code 2 after saying why not), then works on the data. */
        int withPatch(String command, PolicyChanges changes,
                      java.util.function.BiFunction<dev.ward.server.Ward.Core, Map<String, Object>, Integer> work) {
            if (badFormat(command)) {
                return 2;
            }
            Optional<Map<String, Object>> patch = changes.patch(command);
            if (patch.isEmpty()) {
                return 2;
            }
            return ExistingData.run(command, dataDir, core -> work.apply(core, patch.get()));
        }
    }

    /** The API's tenant object; the list leaves the policy out. */
    static Map<String, Object> view(Tenant t, boolean withPolicy) {
        Map<String, Object> m = dev.ward.server.http.Views.tenant(t);
        if (!withPolicy) {
            m.remove("policy");
        }
        return m;
    }

    static String json(Object value) { return OutputFormat.json(value); }

    @Command(name = "list", mixinStandardHelpOptions = true, header = "List the tenants.")
    static final class ListTenants implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() {
            String command = "ward tenant list";
            if (common.badFormat(command)) {
                return 2;
            }
            return ExistingData.run(command, common.dataDir, core -> {
                List<Tenant> tenants = core.tenants().list(OPERATOR);
                PrintStream out = System.out;
                if (common.json()) {
                    out.println(json(Map.of("tenants", tenants.stream().map(t -> view(t, false)).toList())));
                    return 0;
                }
                out.printf("%-32s %-8s %-24s %s%n", "id", "policy", "created", "name");
                for (Tenant t : tenants) {
                    out.printf("%-32s v%-7d %-24s %s%n", t.id(), t.policyVersion(), t.createdAt(), t.name());
                }
                out.println(tenants.size() + " tenant(s).");
                return 0;
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, header = "Show one tenant with its whole policy.")
    static final class Show implements Callable<Integer> {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant's id.")
        String tenant;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            String command = "ward tenant show";
            if (common.badFormat(command)) {
                return 2;
            }
            return ExistingData.run(command, common.dataDir, core -> {
                Tenant t = core.tenants().get(OPERATOR, tenant);
                if (common.json()) {
                    System.out.println(json(view(t, true)));
                } else {
                    System.out.println(String.join(System.lineSeparator(),
                            "id:       " + t.id(),
                            "name:     " + t.name(),
                            "created:  " + t.createdAt(),
                            "policy:   version " + t.policyVersion() + " (write-only settings are never shown)",
                            json(t.policy().toNestedMap())));
                }
                return 0;
            });
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, header = "Create a tenant, with the default policy or a patch of it.")
    static final class Create implements Callable<Integer> {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The new tenant's id, e.g. stmarys.")
        String tenant;

        @Option(names = "--name", paramLabel = "NAME", description = "A display name (default: the id).")
        String name;

        @Mixin
        PolicyChanges changes;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            return common.withPatch("ward tenant create", changes, (core, patch) -> {
                Tenant t = core.tenants().create(OPERATOR, tenant, name == null ? tenant : name, patch);
                System.out.println(common.json() ? json(view(t, true)) : "Created tenant " + t.id() + ".");
                return 0;
            });
        }
    }

    @Command(name = "policy", mixinStandardHelpOptions = true,
            header = "Print a tenant's policy, or change it with --set and --file (one audited change, all or nothing).",
            description = {"Without --set or --file it prints the policy (as ward tenant show does).",
                    "Values in --set are JSON where they parse as JSON (numbers, true, [\"a\",\"b\"]), strings otherwise.",
                    "Write-only settings (alerts.webhook_secret) are refused in --set, which shows in the process list and",
                    "shell history: put them in a --file readable only by you."})
    static final class PolicyCommand implements Callable<Integer> {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant's id.")
        String tenant;

        @Mixin
        PolicyChanges changes;

        @Mixin
        Common common;

        @Override
        public Integer call() {
            return common.withPatch("ward tenant policy", changes, (core, patch) -> {
                Tenant t = patch.isEmpty() ? core.tenants().get(OPERATOR, tenant)
                        : core.tenants().updatePolicy(OPERATOR, tenant, patch);
                if (!patch.isEmpty() && !common.json()) {
                    System.out.println("Updated the policy of " + t.id() + " to version " + t.policyVersion() + ".");
                }
                System.out.println(json(common.json() ? Map.of("tenant", t.id(), "policy_version", t.policyVersion(),
                        "policy", t.policy().toNestedMap()) : t.policy().toNestedMap()));
                return 0;
            });
        }
    }

    /** {@code --set path=value} (repeatable) and {@code --file patch.json}, merged into one nested patch. */
    static final class PolicyChanges {
        private static final List<String> WRITE_ONLY = List.of("alerts.webhook_secret");

        @Option(names = "--set", paramLabel = "PATH=VALUE",
                description = "A setting by its dotted path, e.g. --set session.idle_timeout_seconds=900 (repeat for more).")
        List<String> sets = List.of();

        @Option(names = "--file", paramLabel = "FILE", description = "A JSON policy patch, as PATCH /v1/admin/tenants/{id} takes under \"policy\".")
        Path file;

        /** The nested patch, or empty after printing why it cannot be made. */
        Optional<Map<String, Object>> patch(String command) {
            Map<String, Object> patch = new LinkedHashMap<>();
            if (file != null) {
                try {
                    Object parsed = JSON.readValue(Files.readString(file), Object.class);
                    if (!(parsed instanceof Map<?, ?> map)) {
                        System.err.println(command + ": " + file + " must hold a JSON object (the policy patch).");
                        return Optional.empty();
                    }
                    map.forEach((k, v) -> patch.put(String.valueOf(k), v));
                } catch (JsonProcessingException e) {
                    System.err.println(command + ": " + file + " is not valid JSON (line " + e.getLocation().getLineNr() + ").");
                    return Optional.empty();
                } catch (IOException e) {
                    System.err.println(command + ": cannot read " + file + ".");
                    return Optional.empty();
                }
            }
            for (String set : sets) {
                int eq = set.indexOf('=');
                int dot = set.indexOf('.');
                if (eq < 0 || dot < 1 || dot > eq - 2) {
                    System.err.println(command + ": --set wants PATH=VALUE with a dotted path, e.g. session.idle_timeout_seconds=900"
                            + " (or permissions.ROLE={\"module\":[\"action\"]}).");
                    return Optional.empty();
                }
                String path = set.substring(0, eq);
                if (WRITE_ONLY.contains(path)) {
                    System.err.println(command + ": " + path + " is write-only: give it in a --file readable only by you,"
                            + " never on the command line.");
                    return Optional.empty();
                }
                String group = path.substring(0, dot);
                Object current = patch.computeIfAbsent(group, g -> new LinkedHashMap<String, Object>());
                if (!(current instanceof Map<?, ?>)) {
                    System.err.println(command + ": --set " + group + ".… and --file's \"" + group + "\" disagree.");
                    return Optional.empty();
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> settings = (Map<String, Object>) current;
                settings.put(path.substring(dot + 1), value(set.substring(eq + 1)));
            }
            return Optional.of(patch);
        }

        private static Object value(String text) {
            try {
                return JSON.readValue(text, Object.class);
            } catch (JsonProcessingException e) {
                return text;
            }
        }
    }
}
