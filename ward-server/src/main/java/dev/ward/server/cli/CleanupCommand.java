package dev.ward.server.cli;

import dev.ward.server.Config;
import dev.ward.server.Ward;
import dev.ward.session.CleanupCriteria;
import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "cleanup", mixinStandardHelpOptions = true,
        header = "Remove sessions, their attributes and their patient contexts (with their data) from the store.",
        description = {"Works while a server runs on the same data. Without a selector it removes ended sessions",
                "(expired or revoked) and patient contexts past their own timeout. A session removed takes its patient",
                "contexts with it (audited patient.cleared). Prints counts per tenant; asks before removing when on a terminal."})
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

    @Override
    public Integer call() {
        PrintStream out = spec.commandLine().getOut() == null ? System.out : new PrintStream(System.out, true);
        PrintStream err = System.err;
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
        Optional<Config> config = ExistingData.config("ward cleanup", dataDir, err);
        if (config.isEmpty()) {
            return 2;
        }
        Clock clock = Clock.systemUTC();
        CleanupCriteria criteria = new CleanupCriteria(selection,
                olderThanHours == null ? null : clock.instant().minus(Duration.ofHours(olderThanHours)), tenant);
        try (Ward.Core core = Ward.Core.open(config.get(), clock)) {
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
            // Contexts past their own timeout in sessions that live on (the default and --expired-only).
            long expiredContexts = selection == CleanupCriteria.Selection.ENDED && criteria.createdBefore() == null
                    && tenant == null ? core.patients().countExpired() : 0;
            if (expiredContexts > 0) {
                out.println("Patient contexts past their timeout to remove: " + expiredContexts);
            }
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
                    String answer = console.readLine("Remove %d session(s)%s? [y/N] ", total,
                            selection == CleanupCriteria.Selection.ALL ? ", signing their users out" : "");
                    if (answer == null || !answer.trim().equalsIgnoreCase("y")) {
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
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("Removing").setInitialMax(total)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).build()) {
                    removed = core.cleanup().run(criteria, "operator", bar::stepTo);
                }
            } else {
                removed = core.cleanup().run(criteria, "operator", n -> { });
            }
            out.println("Removed " + removed + " session(s).");
            if (expiredContexts > 0) {
                out.println("Removed " + core.patients().sweep("timeout", "operator") + " expired patient context(s).");
            }
            return 0;
        }
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
