package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The alert outbox on PostgreSQL across nodes (issue 14 item 4): an alert raised while the receiver is down outlives the
 * node that raised it, and of two nodes that look at the outbox at the same moment exactly one delivers it.
 */
class AlertDeliveryPostgresTest {
    static final String SECRET = "whsec-postgres-0123456789";

    @Test
    void anAlertOutlivesItsNodeAndTwoNodesDeliverItExactlyOnce() throws Exception {
        try (PostgresSchema schema = PostgresSchema.create("AlertDeliveryPostgresTest");
             WebhookReceiver receiver = new WebhookReceiver(SECRET)) {
            String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
            receiver.status.set(503);
            String alert;
            try (TestWard first = TestWard.onPostgres(schema.url(), master)) {
                first.createTenant("shared", Map.of("mfa", Map.of("required_roles", List.of()),
                        "alerts", Map.of("webhook_url", receiver.url(), "webhook_secret", SECRET)));
                alert = first.ward.core().alerts().raise("shared", "test_outage", "high", Map.of("user_id", "usr_a"), Map.of()).id();
                first.ward.deliverAlertsNow();
                assertThat(receiver.received).hasSize(1);
            }
            assertThat(schema.count("alert_deliveries WHERE status = 'pending'")).isEqualTo(1);

            receiver.status.set(200);
            try (TestWard b = TestWard.onPostgres(schema.url(), master); TestWard c = TestWard.onPostgres(schema.url(), master)) {
                b.clock.advance(Duration.ofMinutes(1));
                c.clock.advance(Duration.ofMinutes(1));
                for (int round = 0; round < 3; round++) {
                    CompletableFuture<Integer> onB = CompletableFuture.supplyAsync(b.ward::deliverAlertsNow);
                    CompletableFuture<Integer> onC = CompletableFuture.supplyAsync(c.ward::deliverAlertsNow);
                    onB.get();
                    onC.get();
                }
                assertThat(receiver.accepted()).hasSize(1);
                assertThat(receiver.accepted().get(0).json().path("id").asText()).isEqualTo(alert);
                var d = b.get("/v1/admin/alerts/" + alert + "/deliveries", b.adminToken()).json();
                assertThat(d.path("deliveries")).extracting(a -> a.path("outcome").asText()).containsExactly("failed", "delivered");
                assertThat(d.path("channels").get(0).path("status").asText()).isEqualTo("delivered");
            }
        }
    }
}
