package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.session.RefusedChanges;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The answers kept for the repair (decision 0015, amended 2026-12-07), on a real Redis this test starts. */
class RedisRefusedChangesTest {
    private static final Instant T = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void aRefusalIsFoundOnceOldEnoughClaimedByOneNodeAtATimeAndForgotten() {
        try (RedisServers server = RedisServers.standalone("RedisRefusedChangesTest");
             RedisConnection a = RedisConnection.open(RedisEndpoint.parse(server.url()));
             RedisConnection b = RedisConnection.open(RedisEndpoint.parse(server.url()))) {
            String prefix = "ward-test:" + UUID.randomUUID() + ":";
            RedisRefusedChanges nodeA = new RedisRefusedChanges(a, prefix);
            RedisRefusedChanges nodeB = new RedisRefusedChanges(b, prefix);
            nodeA.record(new RefusedChanges.Refused(41, "rotate", "clinic", "usr_1",
                    Map.of("session_id", "ses_1", "old", "aa", "new", "bb"), T));
            nodeA.record(new RefusedChanges.Refused(42, "admit", "clinic", "usr_2", Map.of("session_id", "ses_2"), T.plusSeconds(10)));

            assertThat(nodeB.recordedBefore(T, 10)).as("not yet old enough").isEmpty();
            List<RefusedChanges.Refused> due = nodeB.recordedBefore(T.plusSeconds(5), 10);
            assertThat(due).singleElement().isEqualTo(new RefusedChanges.Refused(41, "rotate", "clinic", "usr_1",
                    Map.of("session_id", "ses_1", "old", "aa", "new", "bb"), T));
            assertThat(nodeB.recordedBefore(T.plusSeconds(60), 10)).extracting(RefusedChanges.Refused::intent).containsExactly(41L, 42L);

            Instant now = T.plusSeconds(40);
            assertThat(nodeA.claim(41, "node-a", now.minusSeconds(30), now)).isTrue();
            assertThat(nodeB.claim(41, "node-b", now.minusSeconds(30), now)).as("held by node-a").isFalse();
            Instant later = now.plusSeconds(31);
            assertThat(nodeB.claim(41, "node-b", later.minusSeconds(30), later)).as("a stale claim is taken over").isTrue();

            nodeA.forget(42);
            assertThat(nodeB.claim(42, "node-b", later.minusSeconds(30), later)).as("forgotten: nobody's").isFalse();
            assertThat(nodeB.recordedBefore(T.plusSeconds(60), 10)).extracting(RefusedChanges.Refused::intent).containsExactly(41L);

            Long ttl = a.call(r -> r.pttl(prefix + "{refused}:41"));
            assertThat(Duration.ofMillis(ttl)).as("kept well past the repair's window, not for ever")
                    .isGreaterThan(Duration.ofHours(23)).isLessThanOrEqualTo(RefusedChanges.KEEP);
            a.call(r -> r.del(prefix + "{refused}:41")); // as its TTL would
            assertThat(nodeB.recordedBefore(T.plusSeconds(60), 10)).as("an expired refusal leaves the index too").isEmpty();
            long indexed = a.call(r -> r.zcard(prefix + "{refused}"));
            assertThat(indexed).isZero();
        }
    }

    @Test
    void aPayloadThatIsNotTextIsRefusedRatherThanKeptHalf() {
        try (RedisServers server = RedisServers.standalone("RedisRefusedChangesTest");
             RedisConnection a = RedisConnection.open(RedisEndpoint.parse(server.url()))) {
            RedisRefusedChanges kept = new RedisRefusedChanges(a, "ward-test:" + UUID.randomUUID() + ":");
            assertThatThrownBy(() -> kept.record(new RefusedChanges.Refused(7, "aal", "clinic", "usr_1", Map.of("to", 2), T)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(kept.recordedBefore(T.plusSeconds(60), 10)).isEmpty();
        }
    }
}
