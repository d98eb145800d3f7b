package dev.ward.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.audit.AuditEntry;
import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditStore;
import dev.ward.audit.AuditTrail;
import dev.ward.audit.Transactions;
import dev.ward.problem.StoreDeadline;
import dev.ward.problem.StoreUnavailableException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The commit in doubt (decision 0015) with sessions in Redis: the records' COMMIT fails, and the intent says whether it
 * went through. These drive {@link SessionChanges#make} with a records transaction that always fails and an intent store
 * that answers after a number of failed tries, as a dropped pool does.
 */
class SessionChangesTest {
    private final AtomicInteger pendingCalls = new AtomicInteger();
    private final List<String> takenBack = new ArrayList<>();
    private final List<RefusedChanges.Refused> refused = new ArrayList<>();
    /** Keeps what it is given, as Redis would. */
    private final RefusedChanges kept = new RefusedChanges() {
        @Override
        public void record(Refused r) { refused.add(r); }

        @Override
        public List<Refused> recordedBefore(Instant before, int limit) { return List.copyOf(refused); }

        @Override
        public boolean claim(long intent, String claimant, Instant staleClaim, Instant now) { return true; }

        @Override
        public void forget(long intent) { refused.removeIf(r -> r.intent() == intent); }
    };

    @AfterEach
    void close() {
        StoreDeadline.close();
    }

    /** Intents whose {@code pending} fails {@code failures} times, then answers {@code answer}. */
    private SessionIntents intents(int failures, boolean answer) {
        return new SessionIntents() {
            @Override
            public long begin(String kind, String tenant, String userId, Map<String, Object> payload, Instant now) { return 7; }

            @Override
            public boolean done(long id) { return true; }

            @Override
            public boolean pending(long id) {
                if (pendingCalls.incrementAndGet() <= failures) {
                    throw new StoreUnavailableException("database", null);
                }
                return answer;
            }

            @Override
            public void finish(long id, String claimant) {}

            @Override
            public List<Intent> claimInterrupted(Instant before, Instant staleClaim, String claimant, int limit, Instant now) {
                return List.of();
            }
        };
    }

    private SessionChanges changes(SessionIntents intents) {
        SessionStore redis = (SessionStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DetachedSessionStore.class}, (p, m, a) -> {
                    throw new UnsupportedOperationException(m.getName());
                });
        Transactions commitLost = new Transactions() {
            @Override
            public <T> T atomically(Supplier<T> change) {
                change.get();
                throw new StoreUnavailableException("database", null); // the connection lost at the COMMIT
            }
        };
        AuditStore store = new AuditStore() {
            @Override
            public void append(Instant at, List<AuditEntry> entries) {}

            @Override
            public long appendOne(Instant at, AuditEntry entry) { return 1; }

            @Override
            public List<AuditEvent> recent(String tenant, String type, int limit) { return List.of(); }
        };
        return new SessionChanges(redis, intents, kept, java.util.Set.of("admit"), new AuditTrail(store, commitLost, Clock.systemUTC()), Clock.systemUTC());
    }

    private String make(SessionChanges changes) {
        return changes.make("admit", "clinic", "usr_1", Map.of(), () -> "ses_1", r -> { }, takenBack::add);
    }

    @Test
    void aCommitThatWentThroughIsDoneEvenWhenManyDeadConnectionsComeFirst() {
        // A dropped pool of 16 hands out each dead connection once: the question is asked until a live one answers.
        assertThat(make(changes(intents(12, false)))).isEqualTo("ses_1");
        assertThat(pendingCalls.get()).isEqualTo(13);
        assertThat(takenBack).isEmpty();
    }

    @Test
    void aCommitThatDidNotGoThroughIsTakenBack() {
        assertThatThrownBy(() -> make(changes(intents(2, true)))).isInstanceOf(StoreUnavailableException.class);
        assertThat(takenBack).containsExactly("ses_1");
    }

    @Test
    void whenNothingCanTellTheChangeStandsForTheRepairAndTheRequestIsNotHeldPastItsDatabaseTime() {
        StoreDeadline.open(Duration.ofMillis(200));
        StoreDeadline.charge(Duration.ofMillis(200).toNanos()); // the records' commit waited out the request's database time
        long start = System.nanoTime();
        assertThatThrownBy(() -> make(changes(intents(Integer.MAX_VALUE, true)))).isInstanceOf(StoreUnavailableException.class);
        long ms = (System.nanoTime() - start) / 1_000_000;
        // Not the 3 s the question may take outside a request: it is not asked once the request's time is spent.
        assertThat(ms).isLessThan(SessionChanges.IN_DOUBT_WAIT.toMillis() / 2);
        assertThat(takenBack).as("cannot tell: left for the repair, which decides from the intent").isEmpty();
        assertThat(refused).as("and from the answer given, should the intent be gone").singleElement()
                .satisfies(r -> assertThat(r.intent()).isEqualTo(7))
                .satisfies(r -> assertThat(r.kind()).isEqualTo("admit"));
    }

    @Test
    void anAnswerIsKeptOnlyWhenTheOutcomeCannotBeToldAndOnlyForTheKindsThatAskForIt() {
        assertThat(make(changes(intents(1, false)))).isEqualTo("ses_1");
        assertThatThrownBy(() -> make(changes(intents(0, true)))).isInstanceOf(StoreUnavailableException.class);
        assertThat(refused).as("told: done, or taken back at once").isEmpty();
        StoreDeadline.open(Duration.ofMillis(1));
        StoreDeadline.charge(Duration.ofMillis(1).toNanos());
        assertThatThrownBy(() -> changes(intents(Integer.MAX_VALUE, true)).make("revoke", "clinic", "usr_1", Map.of(),
                () -> "ses_1", r -> { }, takenBack::add)).isInstanceOf(StoreUnavailableException.class);
        assertThat(refused).as("a revocation answered 503 may still take effect (decision 0011)").isEmpty();
    }
}
