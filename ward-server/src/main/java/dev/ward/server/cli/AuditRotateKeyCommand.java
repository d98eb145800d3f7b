package dev.ward.server.cli;

import dev.ward.access.Actor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "rotate-key", mixinStandardHelpOptions = true,
        header = "Start signing audit checkpoints with a new key.",
        description = {"The old keys are kept (retired): they verify the checkpoints they signed and stay listed by",
                "GET /v1/admin/audit/checkpoints. Give the new public key to whoever verifies copies of checkpoints."})
final class AuditRotateKeyCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Data directory of the embedded mode (default: $WARD_DATA_DIR or ./ward-data).")
    Path dataDir;

    @Override
    public Integer call() {
        return ExistingData.run("ward audit rotate-key", dataDir, core -> {
            String kid = core.checkpointKeys().rotate(new Actor.Operator());
            System.out.println("Audit checkpoints are now signed with key " + kid + ".");
            return 0;
        });
    }
}
