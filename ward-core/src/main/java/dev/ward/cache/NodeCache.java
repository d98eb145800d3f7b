package dev.ward.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A small bounded cache of state read from the shared store, kept by one node for its hot paths and cleared on
 * every node at once when the state changes anywhere ({@link Invalidations}). It serves an entry only while the
 * node hears every change notice, and only an entry loaded after the last notice: a load that raced with a change
 * is returned to its caller (it read the store before the change committed, like any read in flight) but never
 * served again. The lifetime bounds what a lost notice can cost. Absent values are never cached.
 */
public final class NodeCache<K, V> {
    private record Entry<V>(V value, long generation, long loadedAtMillis) {}

    private final Invalidations invalidations;
    private final String topic;
    private final long lifetimeMillis;
    private final Clock clock;
    private final Function<K, Optional<V>> load;
    private final Cache<K, Entry<V>> entries;
    /** Moves on every change notice; entries of an older generation are never served. */
    private final AtomicLong generation = new AtomicLong();

    /**
     * @param topic    what the cached state is, as {@link Invalidations} names it; caches of one topic clear together
     * @param lifetime how long an entry may serve at most, even without a change notice
     * @param load     reads one value from the store
     */
    public NodeCache(Invalidations invalidations, String topic, Duration lifetime, long maximumSize, Clock clock,
                     Function<K, Optional<V>> load) {
        this.invalidations = invalidations;
        this.topic = topic;
        this.lifetimeMillis = lifetime.toMillis();
        this.clock = clock;
        this.load = load;
        this.entries = Caffeine.newBuilder().maximumSize(maximumSize).build();
        invalidations.subscribe(topic, this::clear);
    }

    /** The value, from this node's cache when it is fresh and no change was announced since it was read. */
    public Optional<V> get(K key) {
        if (!invalidations.live()) {
            return load.apply(key);
        }
        long current = generation.get();
        long now = clock.millis();
        Entry<V> hit = entries.getIfPresent(key);
        // A clock that went back (a test, an NTP step) makes an entry look young: it is not served either.
        if (hit != null && hit.generation() == current && now >= hit.loadedAtMillis() && now - hit.loadedAtMillis() < lifetimeMillis) {
            return Optional.of(hit.value());
        }
        Optional<V> loaded = load.apply(key);
        loaded.ifPresentOrElse(v -> entries.put(key, new Entry<>(v, current, now)), () -> entries.invalidate(key));
        return loaded;
    }

    /** After a committed change of this cache's state: clears it on this node and tells every other node. */
    public void changed() {
        invalidations.publish(topic);
    }

    private void clear() {
        generation.incrementAndGet();
        entries.invalidateAll();
    }
}
