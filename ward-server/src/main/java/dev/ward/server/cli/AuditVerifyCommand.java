package dev.ward.server.cli;

import dev.ward.access.Actor;
import dev.ward.audit.AuditVerifier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        header = "Verify a tenant's audit chain: every hash, link and signed checkpoint.",
        description = {"Walks the chain from its start to its head in pages, recomputing each event's hash, and checks",
                "every signed checkpoint on the way (a checkpoint past the end means the tail was cut off).",
                "Reports the first bad position and why: hash_mismatch, broken_link, gap, head_mismatch, truncated,",
                "checkpoint_mismatch, bad_signature, unknown_key, unanchored_start (docs/security.md).",
                "The outcome is recorded in the trail as audit.verified.",
                "Exit code: 0 the chain verifies, 3 it does not, 1 it could not be checked, 2 a usage error."})
final class AuditVerifyCommand implements Callable<Integer> {
    static final int BROKEN = 3;

    @Option(names = "--tenant", paramLabel = "T", required = true, description = "The tenant whose chain to verify.")
    String tenant;

    @picocli.CommandLine.Mixin
    OutputFormat output;

    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Override
    public Integer call() {
        if (output.bad("ward audit verify")) {
            return 2;
        }
        boolean json = output.json();
        PrintStream out = System.out;
        return ExistingData.run("ward audit verify", dataDir, core -> {
            AuditVerifier verifier = core.auditVerifier();
            long total = verifier.size(tenant);
            if (!json) {
                out.println("Verifying the audit chain of tenant " + tenant + " (" + total + " event(s)).");
            }
            AuditVerifier.Result r;
            // With --format json the answer alone goes to standard output.
            try (Progress progress = Progress.of("Verifying", total, json ? System.err : out)) {
                r = verifier.verify(new Actor.Operator(), tenant, progress);
            }
            if (json) {
                out.println(OutputFormat.json(r.answer()));
            } else if (r.ok()) {
                out.println("OK: " + r.checked() + " event(s) and " + r.checkpoints() + " signed checkpoint(s) verified; head "
                        + r.headSeq() + " " + r.headHash() + ".");
            } else {
                out.println("NOT OK at " + r.firstBadSeq() + ": " + r.reason() + ". " + r.detail());
            }
            return r.ok() ? 0 : BROKEN;
        });
    }
}
