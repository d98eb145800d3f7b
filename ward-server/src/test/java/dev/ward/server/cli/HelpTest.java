package dev.ward.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import org.junit.jupiter.api.Test;

/** Every command explains itself, and the help lists every variable Ward reads. */
class HelpTest {
    /** The repository root (tests run in ward-server/). */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** Every command path below {@code ward}, found from picocli's model, so commands added later are covered too. */
    private static List<List<String>> commandPaths(CommandLine cli, List<String> prefix) {
        List<List<String>> paths = new ArrayList<>();
        cli.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandSpec().name().equals(name)) {
                return; // an alias of a command listed under its own name
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(name);
            paths.add(path);
            paths.addAll(commandPaths(sub, path));
        });
        return paths;
    }

    @Test
    void everyCommandAnswersHelpWithExitZero() {
        List<List<String>> paths = commandPaths(WardCommand.commandLine(), List.of());
        assertThat(paths).extracting(p -> String.join(" ", p)).contains("serve", "check", "cleanup", "keys", "user",
                "user set-password", "user reset-mfa", "user unlock");
        paths.add(List.of());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            var r = CleanupCommandTest.ward(args.toArray(String[]::new));
            String shown = "ward " + String.join(" ", args) + ":\n" + r.out() + r.err();
            assertThat(r.exit()).as(shown).isZero();
            assertThat(r.out()).as(shown).contains("Usage: ward");
            assertThat(r.out() + r.err()).as(shown).doesNotContain("Missing required", "Unknown option");
        }
    }

    @Test
    void theCommandListShowsWholeSentences() {
        CommandLine cli = WardCommand.commandLine();
        for (CommandLine sub : cli.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            String[] header = spec.usageMessage().header();
            String summary = header.length > 0 ? header[0] : spec.usageMessage().description()[0];
            assertThat(summary).as("summary of ward " + spec.name()).endsWith(".");
        }
        assertThat(CleanupCommandTest.ward("--help").out()).contains("check    Verify the configuration and the stores, changing nothing.");
    }

    @Test
    void serveAndCheckHelpListEveryVariableWardReads() throws IOException {
        Set<String> read = variablesInSources();
        assertThat(read).as("variables found in the sources").contains("WARD_DATABASE_URL", "WARD_ACCESS_LOG_LEVEL", "WARD_JAVA_OPTS");
        assertThat(Config.VARIABLES).extracting(Config.Variable::name).as("Config.VARIABLES").containsAll(read);
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (String command : List.of("serve", "check")) {
            String help = CleanupCommandTest.ward(command, "--help").out();
            for (Config.Variable v : Config.VARIABLES) {
                assertThat(help).as(command + " --help").contains(v.name() + " (unset: " + v.unset() + ")");
            }
        }
        for (Config.Variable v : Config.VARIABLES) {
            assertThat(readme).as("README's configuration table").contains("| `" + v.name() + "`");
        }
    }

    /** Every WARD_* name in the main sources of every module, the logging set-up and the launcher. */
    private static Set<String> variablesInSources() throws IOException {
        Pattern name = Pattern.compile("WARD_[A-Z0-9_]+");
        Set<String> found = new TreeSet<>();
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("ward")));
        try (Stream<Path> modules = Files.list(ROOT)) {
            // ward-client runs in an app, not in Ward: WARD_API_KEY there is the app's variable, which Ward never reads.
            for (Path module : modules.filter(p -> p.getFileName().toString().startsWith("ward-")
                    && !p.getFileName().toString().equals("ward-client")).toList()) {
                Path main = module.resolve("src/main");
                if (Files.isDirectory(main)) {
                    try (Stream<Path> all = Files.walk(main)) {
                        all.filter(Files::isRegularFile).filter(p -> p.toString().matches(".*\\.(java|xml|properties)$"))
                                .forEach(files::add);
                    }
                }
            }
        }
        for (Path f : files) {
            Matcher m = name.matcher(Files.readString(f));
            while (m.find()) {
                found.add(m.group());
            }
        }
        return found;
    }
}
