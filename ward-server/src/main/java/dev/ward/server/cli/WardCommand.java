package dev.ward.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ward <command>}: the one entry point of the jar. */
@Command(name = "ward", mixinStandardHelpOptions = true, version = "Ward 0.1.0",
        description = "Ward: session security for healthcare applications.",
        footer = {"", "The ./ward launcher adds: test (run the whole test suite), build (build the jar)."},
        subcommands = {ServeCommand.class, CleanupCommand.class, CommandLine.HelpCommand.class})
public final class WardCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new WardCommand());
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
