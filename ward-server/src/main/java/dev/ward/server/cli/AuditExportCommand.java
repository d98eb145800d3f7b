package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.audit.AuditEvent;
import dev.ward.server.AuditExportFormat;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ward audit export}: the tenant's trail, oldest first, as GET /v1/admin/audit/export writes it, page by page
 * (constant memory). Into a file it shows progress (a bar on a terminal) and writes beside the file first, so a cut
 * export never passes for a whole one.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        header = "Export a tenant's audit trail as NDJSON, CSV (RFC 4180) or a FHIR R4 Bundle of AuditEvents.",
        description = {"Oldest first, in chain order; to standard output, or to --output FILE with progress.",
                "Without --from or --to the export reaches the oldest retained event or the newest."})
final class AuditExportCommand implements Callable<Integer> {
    @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant (e.g. stmarys).")
    String tenant;

    @Option(names = "--format", paramLabel = "F", required = true, description = "ndjson, csv or fhir.")
    String format;

    @Mixin
    OutputFile output;

    @Mixin
    PeriodOptions period;

    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    java.nio.file.Path dataDir;

    @Override
    public Integer call() {
        String command = "ward audit export";
        Optional<AuditExportFormat> form = AuditExportFormat.parse(format);
        if (form.isEmpty()) {
            System.err.println(command + ": --format must be ndjson, csv or fhir.");
            return 2;
        }
        Optional<PeriodOptions.Period> when = period.parse(command);
        if (when.isEmpty()) {
            return 2;
        }
        return ExistingData.run(command, dataDir, core -> {
            Actor operator = new Actor.Operator();
            Iterator<AuditEvent> events = core.auditSearch().export(operator, tenant, when.get().from(), when.get().to(),
                    form.get().wire());
            if (!output.toFile()) {
                return output.write(command, out -> form.get().write(events, out));
            }
            long total = core.auditSearch().count(operator, tenant, when.get().from(), when.get().to());
            long[] written = {0};
            int exit;
            try (Progress progress = Progress.of("Exporting", total, System.out)) {
                exit = output.write(command, out -> form.get().write(new Iterator<>() {
                    @Override public boolean hasNext() { return events.hasNext(); }
                    @Override public AuditEvent next() {
                        AuditEvent e = events.next();
                        progress.accept(++written[0]);
                        return e;
                    }
                }, out));
            }
            if (exit == 0) {
                System.out.println("Exported " + written[0] + " event(s) of tenant " + tenant + " to " + output.output + " ("
                        + form.get().wire() + ").");
            }
            return exit;
        });
    }
}
