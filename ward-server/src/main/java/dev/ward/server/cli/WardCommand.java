package dev.ward.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ward <command>}: the one entry point of the jar. */
@Command(name = "ward", mixinStandardHelpOptions = true, version = "Ward 0.1.0",
        description = "Ward: session security for healthcare applications.",
        footer = {"", "The ./ward launcher adds: test (run the whole test suite), build (build the jar)."},
        subcommands = {ServeCommand.class, CleanupCommand.class, KeysCommand.class, CheckCommand.class, CommandLine.HelpCommand.class})
public final class WardCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new WardCommand());
        cli.setExecutionExceptionHandler(WardCommand::failed);
        return cli;
    }

    /**
     * An unexpected failure of a command: one line, no stack trace. Ward's own messages are shown; other
     * exceptions only by class, since driver messages may carry SQL or values.
     */
    private static int failed(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        String name = cli.getCommandSpec().qualifiedName();
        String detail = e instanceof dev.ward.problem.StoreUnavailableException || e instanceof dev.ward.server.Config.ConfigException
                || e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException
                ? e.getMessage() : e.getClass().getSimpleName();
        cli.getErr().println(name + ": failed: " + detail);
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
