package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.ward.server.mail.SmtpTarget;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Alerts by e-mail (API.md "Alerts", issue 14 item 4) through a real SMTP server in-process (GreenMail): plain text to
 * the tenant's recipients, a link to the console, no patient data; a server outage retried until the mail goes once.
 */
class AlertEmailHttpTest {
    static GreenMail smtp;
    static int port;
    static TestWard w;

    @BeforeAll
    static void start() {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        port = smtp.getSmtp().getPort();
        w = TestWard.configured(c -> c.withSmtp(Optional.of(SmtpTarget.parse("smtp://127.0.0.1:" + port + "?from=ward-alerts@clinic.test")))
                .withPublicUrl(Optional.of("https://ward.clinic.test")));
        w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()),
                "alerts", Map.of("email_recipients", List.of("security@clinic.test", "chief@clinic.test"))));
    }

    @AfterAll
    static void stop() {
        w.close();
        smtp.stop();
    }

    @Test
    void theRecipientsGetOnePlainTextMailWithALinkAndNoPatientData() throws Exception {
        int before = smtp.getReceivedMessages().length;
        String alert = AlertDeliveryHttpTest.breakTheGlass(w, "clinic", "vip-mail");
        w.ward.deliverAlertsNow();

        MimeMessage[] received = smtp.getReceivedMessages();
        List<MimeMessage> mine = Arrays.asList(received).subList(before, received.length);
        assertThat(mine).as("one message to both recipients (GreenMail keeps a copy per recipient)").hasSize(2);
        MimeMessage m = mine.get(0);
        assertThat(Arrays.stream(m.getRecipients(MimeMessage.RecipientType.TO)).map(Address::toString))
                .containsExactlyInAnyOrder("security@clinic.test", "chief@clinic.test");
        assertThat(m.getFrom()[0].toString()).isEqualTo("ward-alerts@clinic.test");
        assertThat(m.getSubject()).isEqualTo("[Ward] high alert: break_glass in clinic");
        assertThat(m.getContentType()).startsWith("text/plain");
        String body = GreenMailUtil.getBody(m);
        assertThat(body).contains(alert, "https://ward.clinic.test/console/", "Severity: high");
        assertThat(body).as("no patient, user or reason in mail").doesNotContain("vip-mail", "locum", "Unconscious", "allergies");

        var d = w.get("/v1/admin/alerts/" + alert + "/deliveries", w.adminToken()).json();
        assertThat(d.path("deliveries")).singleElement().satisfies(a -> {
            assertThat(a.path("channel").asText()).isEqualTo("email");
            assertThat(a.path("outcome").asText()).isEqualTo("delivered");
        });
    }

    @Test
    void aMailServerOutageIsRetriedUntilTheMailGoesOnce() {
        smtp.stop();
        String alert;
        try {
            alert = AlertDeliveryHttpTest.breakTheGlass(w, "clinic", "vip-mail-outage");
            w.ward.deliverAlertsNow();
            var failed = w.get("/v1/admin/alerts/" + alert + "/deliveries", w.adminToken()).json();
            assertThat(failed.path("deliveries")).singleElement().satisfies(a -> {
                assertThat(a.path("outcome").asText()).isEqualTo("failed");
                assertThat(a.path("error").asText()).isEqualTo("connect_failed");
            });
        } finally {
            smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            smtp.start();
        }
        w.clock.advance(Duration.ofSeconds(30));
        w.ward.deliverAlertsNow();
        w.clock.advance(Duration.ofHours(1));
        w.ward.deliverAlertsNow();
        assertThat(smtp.getReceivedMessages()).as("once, to each of two recipients").hasSize(2);
        var done = w.get("/v1/admin/alerts/" + alert + "/deliveries", w.adminToken()).json();
        assertThat(done.path("deliveries")).extracting(a -> a.path("outcome").asText()).containsExactly("failed", "delivered");
    }

    @Test
    void tenantControlledTextAddsNoHeaderAndNoRecipient() throws Exception {
        // The tenant's name is in the mail; no line break can get into it, to start a header or a fake paragraph.
        var named = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "sneaky", "name", "Sneaky\r\nBcc: spy@evil.test",
                "policy", Map.of("alerts", Map.of("email_recipients", List.of("security@clinic.test"))))), w.adminToken());
        assertThat(named.status()).isEqualTo(400);
        assertThat(named.json().path("field").asText()).isEqualTo("name");

        w.createTenant("lists");
        for (Object recipients : List.of(List.of("a@clinic.test\r\nBcc: spy@evil.test"), List.of("a@clinic.test, spy@evil.test"),
                List.of("Spy <spy@evil.test>"), List.of("a@clinic.test\n"),
                java.util.stream.IntStream.range(0, 21).mapToObj(i -> "r" + i + "@clinic.test").toList())) {
            var refused = w.patch("/v1/admin/tenants/lists", TestWard.json(Map.of("policy",
                    Map.of("alerts", Map.of("email_recipients", recipients)))), w.adminToken());
            assertThat(refused.status()).as(recipients.toString()).isEqualTo(400);
            assertThat(refused.json().path("field").asText()).isEqualTo("policy.alerts.email_recipients");
        }
        assertThat(w.patch("/v1/admin/tenants/lists", TestWard.json(Map.of("policy", Map.of("alerts", Map.of("email_recipients",
                java.util.stream.IntStream.range(0, 20).mapToObj(i -> "r" + i + "@clinic.test").toList())))), w.adminToken())
                .status()).as("twenty is the most").isEqualTo(200);
    }
}
