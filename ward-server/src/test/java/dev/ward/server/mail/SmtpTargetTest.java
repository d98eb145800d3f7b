package dev.ward.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.server.Config;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code WARD_SMTP_URL}: read strictly, a typo stops the start, the password never shown. */
class SmtpTargetTest {
    @Test
    void readsServerCredentialsAndSender() {
        SmtpTarget t = SmtpTarget.parse("smtp://alerts%40clinic:p%40ss%3Aword@mail.clinic.test:587?from=ward@clinic.test");
        assertThat(t.tls()).isFalse();
        assertThat(t.host()).isEqualTo("mail.clinic.test");
        assertThat(t.port()).isEqualTo(587);
        assertThat(t.user()).contains("alerts@clinic");
        assertThat(t.password()).contains("p@ss:word");
        assertThat(t.from()).isEqualTo("ward@clinic.test");
        assertThat(t.toString()).isEqualTo("smtp://mail.clinic.test:587 as alerts@clinic").doesNotContain("p@ss");
        assertThat(SmtpTarget.parse("smtps://mail.clinic.test").port()).isEqualTo(465);
        assertThat(SmtpTarget.parse("smtp://relay").port()).isEqualTo(25);
        assertThat(SmtpTarget.parse("smtp://relay").from()).isEqualTo("ward@relay");
    }

    @Test
    void aWrongUrlStopsTheStartWithoutEchoingThePassword() {
        assertThatThrownBy(() -> SmtpTarget.parse("http://mail.clinic.test")).hasMessageContaining("smtp:// or smtps://");
        assertThatThrownBy(() -> SmtpTarget.parse("smtp://u:secret-pw@mail.clinic.test?form=x"))
                .hasMessageContaining("unknown parameter 'form'").message().doesNotContain("secret-pw");
        assertThatThrownBy(() -> SmtpTarget.parse("smtp://mail.clinic.test?from=not-an-address")).hasMessageContaining("from=");
        assertThatThrownBy(() -> Config.fromEnvironment(Map.of("WARD_SMTP_URL", "smtq://x"), "127.0.0.1", 8080, Path.of(".")))
                .isInstanceOf(Config.ConfigException.class);
        Config c = Config.fromEnvironment(Map.of("WARD_SMTP_URL", "smtp://u:secret-pw@mail.clinic.test",
                "WARD_GEOIP_DB", "/var/lib/ward/city.mmdb"), "127.0.0.1", 8080, Path.of("."));
        assertThat(c.toString()).contains("smtp=smtp://mail.clinic.test:25 as u", "geoipDb=/var/lib/ward/city.mmdb")
                .doesNotContain("secret-pw");
    }

    @Test
    void theServersCertificateMustNameItOverStartTlsAsOverSmtps() {
        var starttls = MailChannel.properties(SmtpTarget.parse("smtp://u:secret-pw@mail.clinic.test:587"));
        assertThat(starttls).containsEntry("mail.smtp.ssl.checkserveridentity", "true")
                .containsEntry("mail.smtp.starttls.required", "true");
        assertThat(MailChannel.properties(SmtpTarget.parse("smtps://mail.clinic.test")))
                .containsEntry("mail.smtps.ssl.checkserveridentity", "true");
        assertThat(starttls.values()).as("the password is handed to Transport.send, never kept in the session's properties")
                .doesNotContain("secret-pw");
    }
}
