package dev.ward.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ward serve} runs under a command line that models {@code serve} alone (start-up, issue 13): it must parse,
 * refuse and help exactly as the whole command line does.
 */
class WardCommandTest {
    private static final String[] SERVE = {"serve"};

    @Test
    void serveHelpIsTheSameUnderBoth() {
        String whole = WardCommand.commandLine().getSubcommands().get("serve").getUsageMessage(CommandLine.Help.Ansi.OFF);
        String alone = WardCommand.commandLine(SERVE).getSubcommands().get("serve").getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(alone).isEqualTo(whole).contains("--port", "WARD_DATABASE_URL", "Environment (every command reads the same");
    }

    @Test
    void serveRefusesTheSameWayUnderBoth() {
        for (List<String> args : List.of(List.of("serve", "--port", "not-a-number"), List.of("serve", "--passwrd=hunter2"),
                List.of("serve", "extra"), List.of("serve", "--config"))) {
            Outcome whole = run(WardCommand.commandLine(), args);
            Outcome alone = run(WardCommand.commandLine(args.toArray(String[]::new)), args);
            assertThat(alone).as(String.join(" ", args)).isEqualTo(whole);
            assertThat(alone.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(alone.err()).doesNotContain("hunter2");
        }
    }

    @Test
    void serveAcceptsTheInheritedConfigOption() {
        CommandLine.ParseResult parsed = WardCommand.commandLine(SERVE).parseArgs("serve", "--config", "ward.yml", "--port", "9");
        assertThat(String.valueOf((Object) parsed.subcommand().matchedOptionValue("--config", null))).isEqualTo("ward.yml");
        assertThat((int) parsed.subcommand().matchedOptionValue("--port", 0)).isEqualTo(9);
    }

    @Test
    void onlyServeGetsTheSmallModel() {
        assertThat(WardCommand.commandLine(SERVE).getSubcommands()).containsOnlyKeys("serve");
        assertThat(WardCommand.commandLine(new String[] {"check"}).getSubcommands())
                .containsKeys("serve", "check", "cleanup", "keys", "tenant", "user", "report", "audit", "help");
        assertThat(WardCommand.commandLine(new String[] {}).getSubcommands()).containsKey("check");
        // Only the exact word: anything else is answered by the whole command line (its suggestions, its help).
        assertThat(WardCommand.commandLine(new String[] {"serve2"}).getSubcommands()).containsKey("check");
    }

    private record Outcome(int exit, String out, String err) {}

    private static Outcome run(CommandLine cli, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Outcome(exit, out.toString(), err.toString());
    }
}
