package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** WARD_AUDIT_SYSLOG and its companions: a mistake stops the start with a message that names the variable. */
class AuditSyslogConfigTest {
    private static Config read(Map<String, String> env) {
        return Config.fromEnvironment(env, "127.0.0.1", 0, Path.of("unused"));
    }

    @Test
    void withoutTheVariableNothingIsForwarded() {
        assertThat(read(Map.of()).auditSyslog()).isEmpty();
    }

    @Test
    void aTlsUrlIsTheTargetWithRfc5425sPortByDefault() {
        var target = read(Map.of("WARD_AUDIT_SYSLOG", "tls://atna.example.org")).auditSyslog().orElseThrow();
        assertThat(target.host()).isEqualTo("atna.example.org");
        assertThat(target.port()).isEqualTo(6514);
        assertThat(read(Map.of("WARD_AUDIT_SYSLOG", "tls://10.0.0.5:1514")).auditSyslog().orElseThrow().port()).isEqualTo(1514);
    }

    @Test
    void plainTcpUdpAndOtherSchemesAreRefused() {
        for (String url : new String[] {"tcp://atna:514", "udp://atna:514", "atna:6514", "tls://user@atna:6514", "tls://atna:6514/x"}) {
            assertThatThrownBy(() -> read(Map.of("WARD_AUDIT_SYSLOG", url)))
                    .isInstanceOf(Config.ConfigException.class).hasMessageContaining("WARD_AUDIT_SYSLOG must look like tls://");
        }
    }

    @Test
    void aCertificateWithoutItsKeyAndCompanionsWithoutTheTargetAreRefused() {
        assertThatThrownBy(() -> read(Map.of("WARD_AUDIT_SYSLOG", "tls://atna:6514",
                "WARD_AUDIT_SYSLOG_CERT", "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----")))
                .isInstanceOf(Config.ConfigException.class).hasMessageContaining("go together");
        assertThatThrownBy(() -> read(Map.of("WARD_AUDIT_SYSLOG_CA", "/etc/ssl/ca.pem")))
                .isInstanceOf(Config.ConfigException.class).hasMessageContaining("WARD_AUDIT_SYSLOG is not");
    }

    @Test
    void anUnreadableCaFileOrAKeyInTheWrongFormatIsNamedWithoutEchoingTheKey() {
        assertThatThrownBy(() -> read(Map.of("WARD_AUDIT_SYSLOG", "tls://atna:6514", "WARD_AUDIT_SYSLOG_CA", "/nonexistent/ca.pem")))
                .isInstanceOf(Config.ConfigException.class).hasMessageContaining("WARD_AUDIT_SYSLOG_CA");
        String secret = "MIIEsecretsecretsecret";
        assertThatThrownBy(() -> read(Map.of("WARD_AUDIT_SYSLOG", "tls://atna:6514",
                "WARD_AUDIT_SYSLOG_CERT", "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----",
                "WARD_AUDIT_SYSLOG_KEY", "-----BEGIN RSA PRIVATE KEY-----\n" + secret + "\n-----END RSA PRIVATE KEY-----")))
                .isInstanceOf(Config.ConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret));
    }
}
