package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Attacks on {@code ward.yml} (review16): what a careless or hostile file can do to the process that reads it — a YAML
 * bomb, a secret under another spelling or in a setting not meant for it, a setting said twice, an environment that
 * quietly drops what the file says, a secret echoed back in the error that refuses it.
 */
class ConfigFileAttackTest {
    private static Path yml(String text) throws Exception {
        return ConfigFileTest.yml(Files.createTempDirectory("ward-yml-attack"), text);
    }

    private static void refused(String text, String reason, String... neverShown) throws Exception {
        Path file = yml(text);
        assertThatThrownBy(() -> ConfigFile.load(file)).isInstanceOf(Config.ConfigException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> {
                    for (String secret : neverShown) {
                        assertThat(e.getMessage()).doesNotContain(secret);
                    }
                });
    }

    @Test
    void aBillionLaughsFileOrAnyAliasIsRefusedWithoutExpandingIt() throws Exception {
        StringBuilder bomb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        char previous = 'a';
        for (char c = 'b'; c <= 'j'; c++, previous++) {
            bomb.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                bomb.append(i == 0 ? "" : ",").append('*').append(previous);
            }
            bomb.append("]\n");
        }
        // Jackson reads an alias as its anchor's name, so nothing grows; a file with one is refused before any key is
        // looked at, as is a setting that would quietly have taken "d" for its value.
        refused(bomb.toString(), "anchors and aliases (*name) are not read");
        refused("data_dir: &d /var/lib/ward\ngeoip_db: *d\n", "anchors and aliases (*name) are not read; write each value out (line 2)");
    }

    @Test
    void deepNestingAndHugeFilesAreRefusedNotCrashedOn() throws Exception {
        refused("data_dir: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n", "is not valid YAML");
        refused("data_dir: " + "{a: ".repeat(5_000) + "b" + "}".repeat(5_000) + "\n", "is not valid YAML");
        Path huge = Files.createTempDirectory("ward-yml-attack").resolve("ward.yml");
        Files.writeString(huge, "# " + "x".repeat(2 * 1024 * 1024) + "\ndata_dir: /tmp\n");
        assertThatThrownBy(() -> ConfigFile.load(huge)).isInstanceOf(Config.ConfigException.class)
                .hasMessageContaining("larger than");
    }

    @Test
    void tagsConstructNothing() throws Exception {
        // SnakeYAML's own constructor would build objects from these; the file's values stay text or are refused.
        Path file = yml("data_dir: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]\n");
        assertThatThrownBy(() -> ConfigFile.load(file)).isInstanceOf(Config.ConfigException.class);
        assertThat(ConfigFile.load(yml("data_dir: !!str /var/lib/ward\ngeoip_db: !!java.net.URL http://127.0.0.1:1/x\n")))
                .containsEntry("WARD_DATA_DIR", "/var/lib/ward").containsEntry("WARD_GEOIP_DB", "http://127.0.0.1:1/x");
    }

    @Test
    void aSettingSaidTwiceOrASecondDocumentIsRefused() throws Exception {
        // A reviewer reads the first database_url; Ward would use the second.
        refused("database_url: jdbc:postgresql://db.internal/ward\ncleanup_interval_seconds: 60\n"
                + "database_url: jdbc:postgresql://elsewhere.example/ward\n", "twice");
        // A second document was skipped without a word, secrets and all.
        refused("data_dir: /var/lib/ward\n---\nmaster_key: c2VjcmV0c2VjcmV0c2VjcmV0\n", "one YAML document", "c2VjcmV0");
    }

    @Test
    void aSecretUnderAnotherSpellingIsStillASecretOrUnknown() throws Exception {
        // Upper case and the variable's own name are not settings.
        refused("MASTER_KEY: c2VjcmV0c2VjcmV0\n", "unknown setting", "c2VjcmV0");
        refused("WARD_MASTER_KEY: c2VjcmV0c2VjcmV0\n", "unknown setting", "c2VjcmV0");
        // Unicode letters that upper-case to ASCII (U+017F long s, U+0131 dotless i) do not spell a setting.
        refused("databa\u017fe_url: jdbc:postgresql://db/ward\n", "unknown setting");
        refused("geo\u0131p_db: /x.mmdb\n", "unknown setting");
        refused("ma\u017fter_key: c2VjcmV0c2VjcmV0\n", "unknown setting", "c2VjcmV0");
    }

    @Test
    void passwordsInEveryUrlSpellingWardReadsAreRefused() throws Exception {
        // Redis takes the user information without a colon as the password (Lettuce, and the cluster parser alike).
        refused("redis_url: redis://hunter2@redis.internal:6379\n", "'redis_url' carries a password", "hunter2");
        refused("redis_url: rediss://hunter2@redis.internal:6380/0\n", "'redis_url' carries a password", "hunter2");
        refused("redis_url: redis-cluster://hunter2@r1:7000,r2:7000\n", "'redis_url' carries a password", "hunter2");
        // The cluster parser splits at the last @, so a password may hold / ? #, which an URL's user information may not.
        refused("redis_url: redis-cluster://:hun/ter2@r1:7000,r2:7000\n", "'redis_url' carries a password", "hun/ter2");
        // PostgreSQL's sslpassword decrypts the client key.
        refused("database_url: jdbc:postgresql://db/ward?user=ward&sslkey=/k.pk8&sslpassword=hunter2\n",
                "'database_url' carries a password", "hunter2");
        // A user name alone is not a secret.
        assertThat(ConfigFile.load(yml("smtp_url: smtp://alerts@mail.example.org:587?from=ward@example.org\n")))
                .containsEntry("WARD_SMTP_URL", "smtp://alerts@mail.example.org:587?from=ward@example.org");
    }

    @Test
    void aPrivateKeyIsRefusedWhicheverSettingHoldsIt() throws Exception {
        // A certificate file is often the chain with its key appended.
        refused("audit_syslog_cert: |\n  -----BEGIN CERTIFICATE-----\n  Y2VydA==\n  -----END CERTIFICATE-----\n"
                + "  -----BEGIN PRIVATE KEY-----\n  c2VjcmV0c2VjcmV0\n  -----END PRIVATE KEY-----\n", "private key", "c2VjcmV0");
        refused("audit_syslog_ca: \"-----BEGIN RSA PRIVATE KEY-----\\nc2VjcmV0c2VjcmV0\\n-----END RSA PRIVATE KEY-----\"\n",
                "private key", "c2VjcmV0");
    }

    @Test
    void aKeyWithoutItsPemArmourIsNeverEchoedInTheRefusal() throws Exception {
        // Base64 DER pasted without the BEGIN line is taken for a path; the message must not print it back.
        Path cert = Files.createTempFile("ward-cert", ".pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n");
        String der = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretsecretsecret";
        assertThatThrownBy(() -> dev.ward.atna.SyslogTarget.parse("tls://127.0.0.1:6514", null, cert.toString(), der))
                .hasMessageContaining("WARD_AUDIT_SYSLOG_KEY").hasMessageNotContaining(der).hasMessageNotContaining("secretsecret");
    }

    @Test
    void anEmptyVariableDoesNotQuietlyDropWhatTheFileSays() throws Exception {
        Path file = yml("database_url: jdbc:postgresql://db.internal/ward\ncookie_secure: true\n");
        Map<String, String> env = ConfigFile.environment(Optional.of(file),
                Map.of("WARD_DATABASE_URL", "", "WARD_COOKIE_SECURE", " ", "WARD_CLEANUP_INTERVAL_SECONDS", "60"));
        // An empty variable is unset everywhere else in Ward: here it must not turn production into embedded mode.
        assertThat(env).containsEntry("WARD_DATABASE_URL", "jdbc:postgresql://db.internal/ward")
                .containsEntry("WARD_COOKIE_SECURE", "true").containsEntry("WARD_CLEANUP_INTERVAL_SECONDS", "60");
        // A set one still wins.
        assertThat(ConfigFile.environment(Optional.of(file), Map.of("WARD_COOKIE_SECURE", "false")))
                .containsEntry("WARD_COOKIE_SECURE", "false");
    }

    @Test
    void aFileOthersMayWriteIsRefused() throws Exception {
        Path file = yml("trusted_proxies: [10.0.0.0/8]\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        // Anyone on the machine could name their own database, proxies or syslog receiver.
        assertThatThrownBy(() -> ConfigFile.load(file)).isInstanceOf(Config.ConfigException.class)
                .hasMessageContaining("other accounts can write");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(ConfigFile.load(file)).containsEntry("WARD_TRUSTED_PROXIES", "10.0.0.0/8");
    }
}
