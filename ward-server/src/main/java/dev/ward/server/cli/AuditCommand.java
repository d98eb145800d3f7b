package dev.ward.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ward audit ...}: the tenant's audit trail from the machine Ward runs on, as the local operator. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        header = "Verify, checkpoint, search and export a tenant's audit trail as the operator.",
        description = {"Works while a server runs on the same data (embedded and production).",
                "Exit codes: 0 done, 1 a store did not answer, 2 refused (unknown tenant, bad options); verify: 3 the chain",
                "does not verify.",
                "Example: ./ward audit search --tenant stmarys --patient pat-4711 --type 'patient.*'"},
        subcommands = {AuditVerifyCommand.class, AuditCheckpointCommand.class, AuditRotateKeyCommand.class,
                AuditSearchCommand.class, AuditExportCommand.class})
final class AuditCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
