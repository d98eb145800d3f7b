package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.audit.AuditEvent;
import dev.ward.server.AuditExportFormat;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ward audit export}: the tenant's trail, oldest first, as GET /v1/admin/audit/export writes it, page by page
 * (constant memory). Into a file it shows progress (a bar on a terminal) and writes beside the file first, so a cut
 * export never passes for a whole one.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        header = "Export a tenant's audit trail as NDJSON, CSV (RFC 4180) or a FHIR R4 Bundle of AuditEvents.",
        description = {"Oldest first, in chain order; to standard output, or to --output FILE with progress.",
                "Times are ISO-8601 with a zone: 2026-11-22T10:00:00Z; --from is inclusive, --to exclusive."})
final class AuditExportCommand implements Callable<Integer> {
    @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant (e.g. stmarys).")
    String tenant;

    @Option(names = "--format", paramLabel = "F", required = true, description = "ndjson, csv or fhir.")
    String format;

    @Option(names = "--output", paramLabel = "FILE", description = "Write here (replaced when complete) instead of standard output.")
    Path output;

    @Option(names = "--from", paramLabel = "TIME", description = "Only events at or after this time.")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "Only events before this time.")
    String to;

    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Override
    public Integer call() {
        String command = "ward audit export";
        Optional<AuditExportFormat> form = AuditExportFormat.parse(format);
        if (form.isEmpty()) {
            System.err.println(command + ": --format must be ndjson, csv or fhir.");
            return 2;
        }
        Instant fromTime;
        Instant toTime;
        try {
            fromTime = from == null ? null : Instant.parse(from);
            toTime = to == null ? null : Instant.parse(to);
        } catch (DateTimeParseException e) {
            System.err.println(command + ": times must be ISO-8601 with a zone, e.g. 2026-11-22T10:00:00Z.");
            return 2;
        }
        return ExistingData.run(command, dataDir, core -> {
            Actor operator = new Actor.Operator();
            Iterator<AuditEvent> events = core.auditSearch().export(operator, tenant, fromTime, toTime, form.get().wire());
            if (output == null) {
                OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
                form.get().write(events, out);
                flush(out);
                return 0;
            }
            long total = core.auditSearch().count(operator, tenant, fromTime, toTime);
            Path target = output.toAbsolutePath();
            Path partial = target.resolveSibling(target.getFileName() + ".partial");
            long[] written = {0};
            try (Progress progress = Progress.of("Exporting", total, System.out);
                 OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16)) {
                form.get().write(new Iterator<>() {
                    @Override public boolean hasNext() { return events.hasNext(); }
                    @Override public AuditEvent next() {
                        AuditEvent e = events.next();
                        progress.accept(++written[0]);
                        return e;
                    }
                }, out);
            } catch (IOException | RuntimeException e) {
                deleteQuietly(partial);
                throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
            }
            try {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.out.println("Exported " + written[0] + " event(s) of tenant " + tenant + " to " + output + " (" + form.get().wire() + ").");
            return 0;
        });
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the partial file stays behind, named as such
        }
    }

    private static void flush(OutputStream out) {
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
