package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.audit.Checkpoint;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        header = "Sign the head of a tenant's audit chain now (every tenant's without --tenant).",
        description = {"An Ed25519 signature over tenant, position, hash and time, with the checkpoint key sealed under",
                "the master key; recorded as an audit.checkpoint event just after the position it signs.",
                "Copy checkpoints off the box (docs/operations.md): they are the chain's outside anchor.",
                "Exit codes: 0 signed (or no chain to sign), 1 a store did not answer, 2 refused (unknown tenant, bad options)."})
final class AuditCheckpointCommand implements Callable<Integer> {
    @Option(names = "--tenant", paramLabel = "T", description = "Only this tenant.")
    String tenant;

    @picocli.CommandLine.Mixin
    OutputFormat output;

    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Override
    public Integer call() {
        if (output.bad("ward audit checkpoint")) {
            return 2;
        }
        PrintStream out = System.out;
        return ExistingData.run("ward audit checkpoint", dataDir, core -> {
            Actor operator = new Actor.Operator();
            List<Checkpoint> taken = tenant == null ? core.auditCheckpoints().takeAll(operator)
                    : core.auditCheckpoints().take(operator, tenant).stream().toList();
            if (output.json()) {
                out.println(OutputFormat.json(Map.of("checkpoints", taken.stream().map(Checkpoint::view).toList())));
                return 0;
            }
            if (taken.isEmpty()) {
                out.println("No chain with an event to sign.");
            }
            for (Checkpoint c : taken) {
                out.println("Checkpoint of tenant " + c.tenant() + " at " + c.seq() + ": hash " + c.hash() + ", at "
                        + Checkpoint.time(c.at()) + ", key " + c.keyId() + ", signature " + c.signature());
            }
            return 0;
        });
    }
}
