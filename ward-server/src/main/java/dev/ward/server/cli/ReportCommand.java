package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.report.PatientAccessReport;
import dev.ward.report.UsageReport;
import dev.ward.server.ReportFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ward report ...} (issue 16): the reports of the API from the machine Ward runs on, as the operator, to standard
 * output or a file, as JSON, CSV or a printable HTML page. Built so far: {@code usage} and {@code patient-access}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        header = "Write a report of a tenant: usage (logins, sessions, durations, concurrency per day) or the accesses to a patient.",
        description = {"Works while a server runs on the same data. Reading the trail for a report is recorded as an export.",
                "Exit codes: 0 written, 1 a store did not answer, 2 refused (unknown tenant, a bad period or option).",
                "Example: ./ward report usage --tenant stmarys --from 2026-11-01 --to 2026-12-01 --format html --output usage.html"},
        subcommands = {ReportCommand.Usage.class, ReportCommand.PatientAccess.class})
final class ReportCommand implements Runnable {
    private static final Actor OPERATOR = new Actor.Operator();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The options every report takes: the tenant, the form, the output, the data. */
    static final class Common {
        @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant.")
        String tenant;

        @Option(names = "--format", paramLabel = "F", defaultValue = "json",
                description = "json (the default), csv (RFC 4180) or html (a printable page).")
        String format;

        @Mixin
        OutputFile output;

        @Mixin
        PeriodOptions period;

        @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
        Path dataDir;

        /** The format and the period asked for, or empty after saying what is wrong with them (exit code 2). */
        Optional<Asked> asked(String command) {
            Optional<ReportFormat> f = ReportFormat.parse(format);
            if (f.isEmpty()) {
                System.err.println(command + ": --format must be json, csv or html.");
            }
            Optional<PeriodOptions.Period> p = period.parse(command);
            return f.isPresent() && p.isPresent() ? Optional.of(new Asked(f.get(), p.get())) : Optional.empty();
        }
    }

    record Asked(ReportFormat format, PeriodOptions.Period period) {}

    @Command(name = "usage", mixinStandardHelpOptions = true,
            header = "Per UTC day: logins by outcome, sessions, distinct users, median and p95 duration, peak concurrency.",
            description = {"Without --to the period ends at the start of today (UTC); without --from it starts 30 days before "
                    + "its end; at most 366 days."})
    static final class Usage implements Callable<Integer> {
        @Mixin
        Common common;

        @Override
        public Integer call() {
            String command = "ward report usage";
            Optional<Asked> asked = common.asked(command);
            if (asked.isEmpty()) {
                return 2;
            }
            Instant t = Optional.ofNullable(asked.get().period().to())
                    .orElse(LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant());
            Instant f = Optional.ofNullable(asked.get().period().from()).orElse(t.minus(Duration.ofDays(30)));
            return ExistingData.run(command, common.dataDir, core -> {
                UsageReport.Report report = core.auditSearch().usage(OPERATOR, common.tenant, f, t);
                int exit = common.output.write(command, out -> asked.get().format().write(report, out, true));
                if (exit == 0 && common.output.toFile()) {
                    System.err.println("Wrote the usage report of " + common.tenant + " (" + report.days().size() + " days) to "
                            + common.output.output + ".");
                }
                return exit;
            });
        }
    }

    @Command(name = "patient-access", mixinStandardHelpOptions = true,
            header = "Every open, read, write and break-glass concerning one patient (HIPAA accounting of disclosures).",
            description = {"Every event of the tenant's trail that names the patient, oldest first: who, when, from where, "
                    + "in which session, why, and the outcome. Without --from and --to: the whole retained trail. "
                    + "A patient the trail never names gets an empty report.",
                    "Example: ./ward report patient-access --tenant stmarys --patient pat-4711 --format html --output pat-4711.html"})
    static final class PatientAccess implements Callable<Integer> {
        @Mixin
        Common common;

        @Option(names = "--patient", paramLabel = "P", required = true, description = "The patient id, as apps give it to Ward.")
        String patient;

        @Override
        public Integer call() {
            String command = "ward report patient-access";
            Optional<Asked> asked = common.asked(command);
            if (asked.isEmpty()) {
                return 2;
            }
            PeriodOptions.Period period = asked.get().period();
            return ExistingData.run(command, common.dataDir, core -> {
                PatientAccessReport.Report report = core.auditSearch().patientAccess(OPERATOR, common.tenant, patient,
                        period.from(), period.to());
                long[] events = {0};
                int exit = common.output.write(command, out -> events[0] = asked.get().format().write(report, out, true).events());
                if (exit == 0 && common.output.toFile()) {
                    System.err.println("Wrote the patient-access report (" + events[0] + " event(s)) of tenant " + common.tenant
                            + " to " + common.output.output + ".");
                }
                return exit;
            });
        }
    }
}
