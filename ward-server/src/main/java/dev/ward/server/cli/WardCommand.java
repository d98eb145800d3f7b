package dev.ward.server.cli;

import dev.ward.server.Config;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ward <command>}: the one entry point of the jar. */
@Command(name = "ward", mixinStandardHelpOptions = true, version = "Ward 0.1.0",
        description = "Ward: session security for healthcare applications.",
        footer = {"", "The ./ward launcher adds: test (run the whole test suite), build (build the jar).",
                "Every command reads the same environment; ward serve --help lists it."})
public final class WardCommand implements Runnable {
    /**
     * JLine (under the progress bars) reports through java.util.logging when it falls back to a plain terminal,
     * which is expected whenever output is not a terminal; held here so the setting is not collected.
     */
    private static final Logger JLINE = Logger.getLogger("org.jline");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Read by main before the command runs ({@link dev.ward.server.ConfigFile}); declared so every command accepts it. */
    @CommandLine.Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "A ward.yml of settings (default: $WARD_CONFIG); the environment wins over it; never secrets.")
    java.nio.file.Path config;

    public static void main(String[] args) {
        JLINE.setLevel(Level.OFF);
        if (args.length == 0 || !args[0].equals("serve")) {
            // Before anything logs (logback.xml reads it): a command's standard output is its answer alone, which a
            // script may parse (--format json); a warning such as the development master key's goes to standard error.
            System.setProperty("ward.log.target", "System.err");
        }
        try {
            dev.ward.server.ConfigFile.use(dev.ward.server.ConfigFile.environment(dev.ward.server.ConfigFile.option(args),
                    System.getenv()));
        } catch (dev.ward.server.Config.ConfigException e) {
            System.err.println("ward: " + e.getMessage() + ".");
            System.exit(2);
        }
        java.util.Optional<String> badLogging = dev.ward.server.Logging.configure(dev.ward.server.ConfigFile.current());
        if (badLogging.isPresent()) {
            System.err.println("ward: " + badLogging.get() + ".");
            System.exit(2);
        }
        System.exit(commandLine(args).execute(args));
    }

    /** Every command, in the order {@code ward --help} lists them. */
    private static final List<Supplier<Object>> COMMANDS = List.of(ServeCommand::new, CleanupCommand::new, KeysCommand::new,
            TenantCommand::new, UserCommand::new, ReportCommand::new, CheckCommand::new, AuditCommand::new,
            CommandLine.HelpCommand::new);

    /** The whole command line: every command. */
    public static CommandLine commandLine() {
        return build(COMMANDS);
    }

    /**
     * The command line that runs {@code args}: for {@code ward serve ...} the model of {@code serve} alone. Picocli
     * builds a command's model by reflection over its annotations, and building all of them (some 40 commands and
     * options classes) was 15 % of the server's start-up (issue 13, goal 4); {@code serve} parses, refuses and helps
     * exactly as under the whole command line ({@code WardCommandTest}).
     */
    public static CommandLine commandLine(String[] args) {
        return args.length > 0 && args[0].equals("serve") ? build(List.of(ServeCommand::new)) : commandLine();
    }

    private static CommandLine build(List<Supplier<Object>> commands) {
        CommandLine cli = new CommandLine(new WardCommand());
        for (Supplier<Object> command : commands) {
            cli.addSubcommand(command.get());
        }
        cli.setExecutionExceptionHandler(WardCommand::failed);
        cli.setParameterExceptionHandler(WardCommand::refused);
        for (String name : List.of("serve", "check")) {
            CommandLine sub = cli.getSubcommands().get(name);
            if (sub != null) {
                CommandLine.Model.UsageMessageSpec usage = sub.getCommandSpec().usageMessage();
                usage.footerHeading("%nEnvironment (every command reads the same; the option wins where there is one):%n");
                usage.footer(Config.variablesHelp().stream().map(line -> line.replace("%", "%%")).toArray(String[]::new));
            }
        }
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

    /**
     * A command line picocli cannot parse: its message and suggestions, but never the values of unknown arguments,
     * which may be a secret typed where it does not belong ({@code --password hunter2}).
     */
    private static int refused(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> options = unmatched.getUnmatched().stream().filter(a -> a.startsWith("-"))
                    .map(a -> a.split("=", 2)[0]).toList();
            long others = unmatched.getUnmatched().size() - options.size();
            cli.getErr().println((options.isEmpty() ? "" : "Unknown option(s): " + String.join(", ", options))
                    + (others == 0 ? "" : (options.isEmpty() ? "" : ", and ") + others + " unexpected argument(s)"));
            CommandLine.UnmatchedArgumentException.printSuggestions(unmatched, cli.getErr());
        } else {
            cli.getErr().println(e.getMessage());
        }
        cli.getErr().println("See '" + cli.getCommandSpec().qualifiedName() + " --help'.");
        return cli.getCommandSpec().exitCodeOnInvalidInput();
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
