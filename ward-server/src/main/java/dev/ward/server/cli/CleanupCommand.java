package dev.ward.server.cli;

import dev.ward.server.Ward;
import dev.ward.session.CleanupCriteria;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "cleanup", mixinStandardHelpOptions = true,
        header = "Remove sessions, their attributes and their patient contexts (with their data) from the store.",
        description = {"Works while a server runs on the same data. Without a selector it removes ended sessions",
                "(expired or revoked) and patient contexts past their own timeout. A session removed takes its patient",
                "contexts with it (audited patient.cleared). Prints counts per tenant; asks before removing when on a terminal.",
                "Exit codes: 0 done (or nothing to do), 1 a store did not answer or the confirmation was declined,",
                "2 refused (bad options, unknown tenant, live sessions without --force and no terminal)."})
final class CleanupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Option(names = "--dry-run", description = "Only count what would be removed.")
    boolean dryRun;

    @Option(names = "--force", description = "Do not ask for confirmation.")
    boolean force;

    @Option(names = "--expired-only", description = "Only ended sessions: expired (idle or absolute) or revoked. The default.")
    boolean expiredOnly;

    @Option(names = "--unauthenticated-only", description = "Only sessions that never completed sign-in (AAL 0, e.g. waiting for MFA enrolment).")
    boolean unauthenticatedOnly;

    @Option(names = "--all-sessions", description = "Every session, live ones included: signs everybody out.")
    boolean allSessions;

    @Option(names = "--older-than-hours", paramLabel = "N", description = "Only sessions created more than N hours ago (N >= 1).")
    Integer olderThanHours;

    @Option(names = "--tenant", paramLabel = "T", description = "Only this tenant.")
    String tenant;

    @picocli.CommandLine.Mixin
    OutputFormat output;

    @Override
    public Integer call() {
        PrintStream err = System.err;
        if (output.bad("ward cleanup")) {
            return 2;
        }
        PrintStream out = output.people();
        int selectors = (expiredOnly ? 1 : 0) + (unauthenticatedOnly ? 1 : 0) + (allSessions ? 1 : 0);
        if (selectors > 1) {
            err.println("ward cleanup: choose at most one of --expired-only, --unauthenticated-only, --all-sessions.");
            return 2;
        }
        if (dryRun && force) {
            err.println("ward cleanup: --dry-run and --force contradict each other.");
            return 2;
        }
        if (olderThanHours != null && olderThanHours < 1) {
            err.println("ward cleanup: --older-than-hours must be 1 or more, got " + olderThanHours + ".");
            return 2;
        }
        if (tenant != null && tenant.isBlank()) {
            err.println("ward cleanup: --tenant must not be empty.");
            return 2;
        }
        CleanupCriteria.Selection selection = allSessions ? CleanupCriteria.Selection.ALL
                : unauthenticatedOnly ? CleanupCriteria.Selection.UNAUTHENTICATED : CleanupCriteria.Selection.ENDED;
        CleanupCriteria criteria = new CleanupCriteria(selection,
                olderThanHours == null ? null : Clock.systemUTC().instant().minus(Duration.ofHours(olderThanHours)), tenant);
        Map<String, Object> answer = new LinkedHashMap<>();
        int exit = ExistingData.run("ward cleanup", dataDir, core -> clean(core, criteria, out, answer));
        if (output.json() && exit == 0) {
            System.out.println(OutputFormat.json(answer));
        }
        return exit;
    }

    /** Counts, asks, removes; {@code answer} gathers what --format json prints (also when nothing was removed). */
    private int clean(Ward.Core core, CleanupCriteria criteria, PrintStream out, Map<String, Object> answer) {
        PrintStream err = System.err;
        CleanupCriteria.Selection selection = criteria.selection();
        if (tenant != null && core.tenants().find(tenant).isEmpty()) {
            err.println("ward cleanup: no such tenant: " + tenant + ".");
            return 2;
        }
        Map<String, Long> counts = core.cleanup().preview(criteria);
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        out.println("Sessions to remove (" + describe(criteria) + "):");
        if (counts.isEmpty()) {
            out.println("  (none)");
        }
        counts.forEach((t, n) -> out.printf("  %-32s %d%n", t, n));
        out.println("  total: " + total);
        answer.put("selection", describe(criteria));
        answer.put("sessions", counts);
        answer.put("total", total);
        answer.put("dry_run", dryRun);
        answer.put("removed_sessions", 0L);
        // Contexts past their own timeout in sessions that live on (the default and --expired-only).
        long expiredContexts = selection == CleanupCriteria.Selection.ENDED && criteria.createdBefore() == null
                && tenant == null ? core.patients().countExpired() : 0;
        if (expiredContexts > 0) {
            out.println("Patient contexts past their timeout to remove: " + expiredContexts);
        }
        answer.put("expired_patient_contexts", expiredContexts);
        answer.put("removed_patient_contexts", 0L);
        if (total == 0 && expiredContexts == 0) {
            out.println("Nothing to clean up.");
            return 0;
        }
        if (dryRun) {
            out.println("Dry run: nothing removed.");
            return 0;
        }
        if (!force) {
            Console console = terminal();
            if (console != null) {
                String reply = console.readLine("Remove %d session(s)%s? [y/N] ", total,
                        selection == CleanupCriteria.Selection.ALL ? ", signing their users out" : "");
                if (reply == null || !reply.trim().equalsIgnoreCase("y")) {
                    out.println("Aborted; nothing removed.");
                    return 1;
                }
            } else if (selection == CleanupCriteria.Selection.ALL) {
                err.println("ward cleanup: refusing to end live sessions without a terminal to confirm; add --force.");
                return 2;
            }
        }
        long removed = 0;
        if (total == 0) {
            // only expired patient contexts
        } else if (total > 1000) {
            try (Progress progress = Progress.of("Removing", total, out)) {
                removed = core.cleanup().run(criteria, "operator", progress);
            }
        } else {
            removed = core.cleanup().run(criteria, "operator", n -> { });
        }
        out.println("Removed " + removed + " session(s).");
        answer.put("removed_sessions", removed);
        if (expiredContexts > 0) {
            long contexts = core.patients().sweep("timeout", "operator");
            out.println("Removed " + contexts + " expired patient context(s).");
            answer.put("removed_patient_contexts", contexts);
        }
        return 0;
    }

    static String describe(CleanupCriteria c) {
        String what = switch (c.selection()) {
            case ENDED -> "expired or revoked";
            case UNAUTHENTICATED -> "never fully signed in";
            case ALL -> "all sessions, live ones included";
        };
        return what + (c.createdBefore() == null ? "" : ", created before " + c.createdBefore())
                + (c.tenant() == null ? "" : ", tenant " + c.tenant());
    }

    /** The console only when both ends are a terminal (JDK 22+ returns a console even when redirected). */
    static Console terminal() {
        Console c = System.console();
        if (c == null) {
            return null;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c) ? c : null;
        } catch (ReflectiveOperationException e) {
            return c;
        }
    }
}
