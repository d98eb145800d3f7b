package dev.ward.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditSearch;
import dev.ward.audit.CanonicalJson;
import dev.ward.server.AuditExportFormat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ward audit search}: one page of GET /v1/admin/audit, newest first, as the operator. */
@Command(name = "search", mixinStandardHelpOptions = true,
        header = "Search a tenant's audit trail, newest first (as GET /v1/admin/audit).",
        description = {"Every filter is optional and they combine. --type takes an event type (login.failed) or a prefix",
                "ending in .* (patient.*). When more events match, the last line gives the --cursor of the next page."})
final class AuditSearchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant (e.g. stmarys).")
    String tenant;

    @Option(names = "--user", paramLabel = "USER_ID", description = "Only events of this user id (usr_…).")
    String user;

    @Option(names = "--patient", paramLabel = "P", description = "Only events about this patient id.")
    String patient;

    @Option(names = "--type", paramLabel = "X", description = "Only this event type, or types under a prefix.* .")
    String type;

    @Mixin
    PeriodOptions period;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "Events per page, 1-1000 (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--cursor", paramLabel = "C", description = "The next page: the cursor an earlier page printed.")
    String cursor;

    @Option(names = "--format", paramLabel = "F", defaultValue = "text",
            description = "text (a table, the default) or json (as the HTTP API answers, for scripts).")
    String format;

    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Override
    public Integer call() {
        String command = "ward audit search";
        if (!format.equals("text") && !format.equals("json")) {
            System.err.println(command + ": --format must be text or json.");
            return 2;
        }
        Optional<PeriodOptions.Period> when = period.parse(command);
        if (when.isEmpty()) {
            return 2;
        }
        return ExistingData.run(command, dataDir, core -> {
            AuditSearch.Page page = core.auditSearch().search(new Actor.Operator(),
                    new AuditSearch.Filter(tenant, user, patient, type, when.get().from(), when.get().to()), limit, cursor);
            PrintStream out = System.out;
            if (format.equals("json")) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("events", page.events().stream().map(AuditExportFormat::searched).toList());
                body.put("next_cursor", page.nextCursor());
                try {
                    out.println(JSON.writeValueAsString(body));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                return 0;
            }
            out.printf("%-7s %-24s %-28s %-8s %-26s %-16s %s%n", "seq", "at", "type", "outcome", "user_id", "patient_id", "details");
            for (AuditEvent e : page.events()) {
                out.printf("%-7d %-24s %-28s %-8s %-26s %-16s %s%n", e.seq(), AuditExportFormat.time(e.at()), e.type(), e.outcome(),
                        dash(e.userId()), dash(e.patientId()), CanonicalJson.write(e.details()));
            }
            out.println(page.events().size() + " event(s)." + (page.nextCursor() == null ? ""
                    : " More: --cursor " + page.nextCursor()));
            return 0;
        });
    }

    private static String dash(String s) { return s == null ? "-" : s; }
}
