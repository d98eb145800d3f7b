package dev.ward.store.redis;

import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Runs a script of an earlier version, kept in the test resources as it was (layout2/, layout3/), as its store ran it. */
final class EarlierScripts {
    private EarlierScripts() {}

    static void run(RedisConnection redis, String version, String script, String prefix, int route, Instant now, String[] keys,
                    List<String> args) {
        String source = resource(version, "common") + "\n" + resource(version, script);
        List<String> all = new ArrayList<>(List.of(prefix, SlotTags.of(route), Long.toString(RedisSessionStore.RETAIN.toMillis()),
                Long.toString(now.toEpochMilli())));
        all.addAll(args);
        redis.call(r -> r.eval(source, ScriptOutputType.MULTI, keys, all.toArray(String[]::new)));
    }

    private static String resource(String version, String name) {
        try (InputStream in = EarlierScripts.class.getResourceAsStream(version + "/" + name + ".lua")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
