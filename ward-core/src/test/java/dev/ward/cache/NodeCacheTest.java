package dev.ward.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** What a node's cache serves: fresh entries, only while listening, never one read before a change was announced. */
class NodeCacheTest {
    /** One process's side of {@link Invalidations}, switched by the test; publishing reaches its own subscribers. */
    private static final class Notices implements Invalidations {
        boolean live = true;
        final List<Runnable> subscribers = new ArrayList<>();

        @Override public void publish(String topic) { subscribers.forEach(Runnable::run); }
        @Override public boolean live() { return live; }
        @Override public void subscribe(String topic, Runnable changed) { subscribers.add(changed); }
    }

    private final MutableClock clock = MutableClock.startingAt("2026-11-22T10:00:00Z");
    private final Notices notices = new Notices();
    private final Map<String, String> store = new HashMap<>(Map.of("k", "v1"));
    private int loads;

    private NodeCache<String, String> cache(Function<String, Optional<String>> load) {
        return new NodeCache<>(notices, "t", Duration.ofSeconds(10), 100, clock, load);
    }

    private Optional<String> fromStore(String key) {
        loads++;
        return Optional.ofNullable(store.get(key));
    }

    @Test
    void servesAFreshEntryWithoutReadingTheStoreAgainUntilItsLifetimeEnds() {
        NodeCache<String, String> cache = cache(this::fromStore);

        assertThat(cache.get("k")).contains("v1");
        store.put("k", "v2");
        assertThat(cache.get("k")).contains("v1");
        clock.advance(Duration.ofSeconds(10));
        assertThat(cache.get("k")).contains("v2");
        assertThat(loads).isEqualTo(2);
    }

    @Test
    void aChangeNoticeClearsItAtOnce() {
        NodeCache<String, String> cache = cache(this::fromStore);
        cache.get("k");
        store.put("k", "v2");

        notices.publish("t");

        assertThat(cache.get("k")).contains("v2");
    }

    @Test
    void whileNotListeningEveryLookupReadsTheStore() {
        NodeCache<String, String> cache = cache(this::fromStore);
        cache.get("k");
        notices.live = false;

        cache.get("k");
        cache.get("k");

        assertThat(loads).isEqualTo(3);
    }

    @Test
    void aReadThatRacedWithAChangeIsAnsweredOnceButNeverServedAgain() {
        NodeCache<String, String> cache = cache(key -> {
            Optional<String> read = fromStore(key);
            if (loads == 1) {
                // Another node commits and announces a change after this read and before it is cached.
                store.put(key, "v2");
                notices.publish("t");
            }
            return read;
        });

        assertThat(cache.get("k")).contains("v1");
        assertThat(cache.get("k")).contains("v2");
    }

    @Test
    void aClockThatWentBackDoesNotMakeAnEntryServeLonger() {
        NodeCache<String, String> cache = cache(this::fromStore);
        cache.get("k");
        clock.advance(Duration.ofSeconds(-1));

        cache.get("k");

        assertThat(loads).isEqualTo(2);
    }

    @Test
    void absentValuesAreNotCached() {
        NodeCache<String, String> cache = cache(this::fromStore);
        assertThat(cache.get("new")).isEmpty();
        store.put("new", "here");

        assertThat(cache.get("new")).contains("here");
    }
}
