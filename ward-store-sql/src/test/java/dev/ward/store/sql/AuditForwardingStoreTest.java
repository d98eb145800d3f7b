package dev.ward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditFeed;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ATNA outbox: one forwarder at a time across nodes, positions that move only on success, the feed in order. */
class AuditForwardingStoreTest extends StoreContract {
    private StoreFixture f;
    private SqlAuditFeed feed;

    @BeforeEach
    void setUp() {
        f = fixture("atna");
        feed = new SqlAuditFeed(f.db);
    }

    @Test
    void whileOneNodeForwardsAnotherSkipsItsTurnWithoutSending() {
        SqlForwardingOutbox nodeA = new SqlForwardingOutbox(f.db, f.clock);
        SqlForwardingOutbox nodeB = new SqlForwardingOutbox(f.db, f.clock);
        AtomicBoolean bSent = new AtomicBoolean();
        boolean[] bHadItsTurn = new boolean[1];

        // Node B on a thread (and so a connection) of its own, while node A is inside its step.
        boolean aHadItsTurn = nodeA.step("system", position -> {
            Thread b = new Thread(() -> bHadItsTurn[0] = nodeB.step("system", p -> {
                bSent.set(true);
                return p + 1;
            }));
            b.start();
            try {
                b.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return 7;
        });

        assertThat(aHadItsTurn).isTrue();
        assertThat(bHadItsTurn[0]).isFalse();
        assertThat(bSent).isFalse();
        long[] seenByB = {-1};
        assertThat(nodeB.step("system", p -> seenByB[0] = p)).isTrue();
        assertThat(seenByB[0]).isEqualTo(7);
        assertThat(nodeB.positions()).containsEntry("system", 7L);
    }

    @Test
    void aFailedSendLeavesThePositionWhereItWas() {
        SqlForwardingOutbox outbox = new SqlForwardingOutbox(f.db, f.clock);
        outbox.step("system", p -> 3);

        assertThatThrownBy(() -> outbox.step("system", p -> {
            throw new IllegalStateException("receiver gone");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(outbox.positions()).containsEntry("system", 3L);
    }

    @Test
    void theFeedGivesATenantsEventsAfterAPositionInSeqOrder() {
        f.tenants.create(StoreFixture.OPERATOR, "clinic", "Clinic", java.util.Map.of());
        for (int i = 0; i < 3; i++) {
            f.audit.append(AuditEntry.of("clinic", "alert.raised").detail("n", i).build());
            f.audit.append(AuditEntry.of("system", "alert.raised").detail("n", i).build());
        }
        var all = feed.after("clinic", 0, 100);
        assertThat(all).extracting(e -> e.event().type()).containsOnly("alert.raised", "admin.tenant_created");
        assertThat(all).extracting(e -> e.event().tenant()).containsOnly("clinic");
        assertThat(all).extracting(e -> e.event().seq()).isSorted().doesNotHaveDuplicates();

        long second = all.get(1).event().seq();
        assertThat(feed.after("clinic", second, 1)).extracting(e -> e.event().seq()).containsExactly(all.get(2).event().seq());
        assertThat(feed.countAfter("clinic", second)).isEqualTo(all.size() - 2);
        assertThat(feed.tenants()).contains("clinic");
        assertThat(all).extracting(AuditFeed.Entry::hash).containsOnlyNulls();
    }
}
