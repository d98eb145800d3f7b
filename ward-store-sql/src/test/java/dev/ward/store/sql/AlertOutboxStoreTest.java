package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.alert.Alert;
import dev.ward.alert.Delivery;
import dev.ward.alert.DeliveryAttempt;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The alert outbox (V18) on every backend: one node per delivery, leases that run out, attempts kept in order. */
class AlertOutboxStoreTest extends StoreContract {
    private StoreFixture f;
    private Instant now;

    @BeforeEach
    void setUp() {
        f = fixture("alerts");
        f.tenant("alerting");
        now = f.clock.instant();
    }

    private String alert() {
        Alert a = new Alert(dev.ward.crypto.Secrets.newId("alr_"), "alerting", now, "test", "high", Alert.OPEN,
                Map.of("user_id", "usr_1"), Map.of());
        new SqlAlertStore(f.db).insert(a);
        f.outbox.enqueue(a, List.of("webhook", "email"), Map.of("id", a.id(), "at", now.toString()), now);
        return a.id();
    }

    @Test
    void nodesRacingForTheOutboxClaimEachDeliveryOnce() throws Exception {
        for (int i = 0; i < 10; i++) {
            alert();
        }
        ConcurrentLinkedQueue<String> claimed = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        var pool = Executors.newFixedThreadPool(4);
        for (int node = 0; node < 4; node++) {
            String name = "node-" + node;
            pool.submit(() -> {
                go.await();
                for (Optional<Delivery> d; (d = f.outbox.claimDue(now, name, now.plusSeconds(120))).isPresent(); ) {
                    claimed.add(d.get().id());
                }
                return null;
            });
        }
        go.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        assertThat(claimed).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void aLeaseRunsOutAndOnlyItsHolderFinishes() {
        String alert = alert();
        Delivery first = f.outbox.claimDue(now, "a", now.plusSeconds(120)).orElseThrow();
        Delivery second = f.outbox.claimDue(now, "a", now.plusSeconds(120)).orElseThrow();
        assertThat(f.outbox.claimDue(now, "b", now.plusSeconds(120))).as("both held").isEmpty();

        Instant later = now.plus(Duration.ofSeconds(121));
        Delivery taken = f.outbox.claimDue(later, "b", later.plusSeconds(120)).orElseThrow();
        assertThat(List.of(first.id(), second.id())).contains(taken.id());
        DeliveryAttempt attempt = new DeliveryAttempt(alert, taken.channel(), later, DeliveryAttempt.DELIVERED, 204, null);
        assertThat(f.outbox.finish(taken, "a", attempt, Delivery.DELIVERED, later)).as("a lost its lease").isFalse();
        assertThat(f.outbox.finish(taken, "b", attempt, Delivery.DELIVERED, later)).isTrue();

        Delivery other = taken.id().equals(first.id()) ? second : first;
        DeliveryAttempt failed = new DeliveryAttempt(alert, other.channel(), now, DeliveryAttempt.FAILED, 503, "http_status");
        assertThat(f.outbox.finish(other, "a", failed, Delivery.PENDING, now.plusSeconds(30))).isTrue();
        assertThat(f.outbox.claimDue(now.plusSeconds(29), "a", now.plusSeconds(200))).as("not due yet").isEmpty();
        assertThat(f.outbox.claimDue(now.plusSeconds(30), "a", now.plusSeconds(200))).map(Delivery::id).contains(other.id());

        assertThat(f.outbox.attempts(alert)).extracting(DeliveryAttempt::outcome).containsExactly("delivered", "failed");
        assertThat(f.outbox.attempts(alert).get(1).statusCode()).isEqualTo(503);
        assertThat(f.outbox.attempts(alert).get(0).error()).isNull();
        assertThat(f.outbox.attempts(alert).get(0).statusCode()).isEqualTo(204);
        f.outbox.finish(f.outbox.claimDue(now.plusSeconds(200), "c", now.plusSeconds(300)).orElseThrow(), "c",
                new DeliveryAttempt(alert, other.channel(), now.plusSeconds(30), DeliveryAttempt.FAILED, null, "connect_failed"),
                Delivery.PENDING, now.plusSeconds(90));
        assertThat(f.outbox.attempts(alert).get(2).statusCode()).as("no status where there was no answer").isNull();
        assertThat(f.outbox.deliveries(alert)).extracting(Delivery::channel).containsExactly("email", "webhook");
        assertThat(f.outbox.deliveries(alert)).filteredOn(d -> d.id().equals(taken.id())).singleElement()
                .satisfies(d -> assertThat(d.status()).isEqualTo(Delivery.DELIVERED));
    }
}
