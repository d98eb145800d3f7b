package dev.ward.store.sql;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Who wants to hear about which topic, on this node. */
final class Subscriptions {
    private final Map<String, List<Runnable>> byTopic = new ConcurrentHashMap<>();

    void add(String topic, Runnable changed) {
        byTopic.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(changed);
    }

    void deliver(String topic) {
        byTopic.getOrDefault(topic, List.of()).forEach(Runnable::run);
    }

    /** After a gap in listening: anything may have changed. */
    void deliverAll() {
        byTopic.values().forEach(subscribers -> subscribers.forEach(Runnable::run));
    }
}
