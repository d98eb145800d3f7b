package dev.ward.server.cli;

import picocli.CommandLine.Command;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = {"The audit trail: verify a tenant's chain, take signed checkpoints.",
                "Works while a server runs on the same data (embedded and production)."},
        subcommands = {AuditVerifyCommand.class, AuditCheckpointCommand.class, AuditRotateKeyCommand.class})
final class AuditCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
