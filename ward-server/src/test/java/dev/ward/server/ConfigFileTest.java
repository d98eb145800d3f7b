package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code ward.yml} (issue 16 item 5), as an operator uses it: named by {@code --config} or {@code WARD_CONFIG}, read by
 * every command ({@code check} says so), the environment winning over it, and secrets refused with where they go.
 */
class ConfigFileTest {
    static Path yml(Path dir, String text) throws Exception {
        Path file = dir.resolve("ward.yml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void checkReadsTheFileAndTheEnvironmentWins() throws Exception {
        Path dir = Files.createTempDirectory("ward-yml");
        Path file = yml(dir, "# Ward at St Mary's\ndata_dir: " + dir.resolve("from-file") + "\ntrusted_proxies: [10.0.0.0/8, 192.168.1.1]\n"
                + "cleanup_interval_seconds: 120\nlog_format: text\n");
        WardProcess.Result byOption = WardProcess.run(Map.of(), "check", "--config", file.toString());
        assertThat(byOption.out()).as(byOption.err()).contains("Configuration file: " + file)
                .contains("Mode: embedded (H2 in " + dir.resolve("from-file").toAbsolutePath() + ")");

        WardProcess.Result byVariable = WardProcess.run(Map.of("WARD_CONFIG", file.toString(),
                "WARD_DATA_DIR", dir.resolve("from-env").toString()), "check");
        assertThat(byVariable.out()).as(byVariable.err()).contains("Configuration file: " + file)
                .contains("Mode: embedded (H2 in " + dir.resolve("from-env").toAbsolutePath() + ")");
    }

    @Test
    void secretsUnknownKeysAndBrokenFilesStopEveryCommandWithTheReason() throws Exception {
        Path dir = Files.createTempDirectory("ward-yml");
        assertRefused(yml(dir, "master_key: c2VjcmV0\n"), "'master_key' is a secret and is never read from a file; set WARD_MASTER_KEY");
        assertRefused(yml(dir, "metrics_token: abc\n"), "set WARD_METRICS_TOKEN in the environment");
        assertRefused(yml(dir, "database_url: jdbc:postgresql://db:5432/ward?user=ward&password=hunter2\n"),
                "'database_url' carries a password");
        assertRefused(yml(dir, "smtp_url: smtp://alerts:hunter2@mail.example.org:587\n"), "'smtp_url' carries a password");
        assertRefused(yml(dir, "audit_syslog_key: |\n  -----BEGIN PRIVATE KEY-----\n  c2VjcmV0\n"), "holds a private key; give the path");
        assertRefused(yml(dir, "databse_url: x\n"), "unknown setting 'databse_url'");
        assertRefused(yml(dir, "geoip: /x\n"), "did you mean 'geoip_db'?");
        assertRefused(yml(dir, "java_opts: -Xmx1g\n"), "unknown setting 'java_opts'");
        assertRefused(yml(dir, "data_dir: [a\n"), "is not valid YAML (line");
        assertRefused(yml(dir, "- data_dir\n"), "must be a mapping of settings");
        assertRefused(yml(dir, "trusted_proxies: {a: b}\n"), "'trusted_proxies' must be a value or a list of values");
        assertRefused(dir.resolve("missing.yml"), "cannot read the configuration file");
    }

    @Test
    void theDocumentedExampleNamesEverySettingAFileMayHoldAndLoads() throws Exception {
        String example = Files.readString(Path.of("..", "docs", "ward.example.yml"));
        // Every commented setting, switched on: the file must load, and name every variable but secrets and the launcher's.
        String on = example.lines().filter(l -> l.matches("# [a-z0-9_]+: .*")).map(l -> l.substring(2))
                .collect(java.util.stream.Collectors.joining("\n"));
        Map<String, String> loaded = ConfigFile.load(yml(Files.createTempDirectory("ward-yml"), on));
        java.util.Set<String> expected = new java.util.TreeSet<>();
        for (Config.Variable v : Config.VARIABLES) {
            expected.add(v.name());
        }
        expected.removeAll(ConfigFile.SECRETS);
        expected.removeAll(ConfigFile.LAUNCHER);
        assertThat(new java.util.TreeSet<>(loaded.keySet())).isEqualTo(expected);
    }

    static void assertRefused(Path file, String reason) throws Exception {
        WardProcess.Result r = WardProcess.run(Map.of(), "tenant", "list", "--config", file.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains(reason).doesNotContain("hunter2").doesNotContain("c2VjcmV0");
    }
}
