package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.report.UsageReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ward report ...} (issue 16): the reports of the API from the machine Ward runs on, as the operator, to standard
 * output or a file. Built so far: {@code usage}; the compliance and patient-access reports are not yet.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        header = "Write a report of a tenant: usage (logins, sessions, durations, concurrency per day).",
        description = {"Works while a server runs on the same data. Reading the trail for a report is recorded as an export.",
                "Exit codes: 0 written, 1 a store did not answer, 2 refused (unknown tenant, a bad period or option).",
                "Example: ./ward report usage --tenant stmarys --from 2026-11-01 --to 2026-12-01 --format csv --output usage.csv"},
        subcommands = {ReportCommand.Usage.class})
final class ReportCommand implements Runnable {
    private static final Actor OPERATOR = new Actor.Operator();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "usage", mixinStandardHelpOptions = true,
            header = "Per UTC day: logins by outcome, sessions, distinct users, median and p95 duration, peak concurrency.")
    static final class Usage implements Callable<Integer> {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant.")
        String tenant;

        @Option(names = "--from", paramLabel = "WHEN", description = "Start: a date (2026-11-01, UTC) or an ISO-8601 time (default: 30 days before --to).")
        String from;

        @Option(names = "--to", paramLabel = "WHEN", description = "End, exclusive (default: the start of today, UTC).")
        String to;

        @Option(names = "--format", paramLabel = "F", defaultValue = "json", description = "json (the default) or csv (RFC 4180).")
        String format;

        @Option(names = "--output", paramLabel = "FILE", description = "Write the report here instead of standard output.")
        Path output;

        @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
        Path dataDir;

        @Override
        public Integer call() {
            String command = "ward report usage";
            if (!format.equals("json") && !format.equals("csv")) {
                System.err.println(command + ": --format must be json or csv.");
                return 2;
            }
            Optional<Instant> end = when(command, "--to", to);
            Optional<Instant> start = when(command, "--from", from);
            if ((to != null && end.isEmpty()) || (from != null && start.isEmpty())) {
                return 2;
            }
            Instant t = end.orElse(LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant());
            Instant f = start.orElse(t.minus(Duration.ofDays(30)));
            return ExistingData.run(command, dataDir, core -> {
                UsageReport.Report report = core.auditSearch().usage(OPERATOR, tenant, f, t);
                String text = format.equals("csv") ? UsageReport.csv(report) : OutputFormat.json(UsageReport.json(report)) + "\n";
                if (output == null) {
                    System.out.print(text);
                    return 0;
                }
                try {
                    Files.writeString(output, text, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    System.err.println(command + ": cannot write " + output + " (" + e.getClass().getSimpleName() + ").");
                    return 2;
                }
                System.err.println("Wrote the usage report of " + tenant + " (" + report.days().size() + " days) to " + output + ".");
                return 0;
            });
        }

        /** A date (its start, UTC) or an ISO-8601 time; empty after saying why. */
        private static Optional<Instant> when(String command, String option, String value) {
            if (value == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                        : Instant.parse(value));
            } catch (DateTimeParseException e) {
                System.err.println(command + ": " + option + " must be a date such as 2026-11-01 or a time such as 2026-11-01T08:00:00Z.");
                return Optional.empty();
            }
        }
    }
}
