package dev.ward.store.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One Lua script (common.lua + its own body), run by {@code EVALSHA} and, where a node does not know it yet
 * (first use, restart, failover), by {@code EVAL}, which also loads it there.
 */
final class RedisScripts {
    private final String name;
    private final String source;
    private final String sha;

    private RedisScripts(String name, String source) {
        this.name = name;
        this.source = source;
        this.sha = sha1Hex(source);
    }

    static RedisScripts load(String name) {
        return new RedisScripts(name, resource("common") + "\n" + resource(name));
    }

    <T> T run(RedisClusterCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(source, type, keys, args);
        }
    }

    /** Sends the script by {@code EVALSHA} without waiting (pipelined); fails with NOSCRIPT where the node lacks it. */
    <T> RedisFuture<T> runAsync(RedisClusterAsyncCommands<String, String> redis, ScriptOutputType type, String[] keys,
                                String... args) {
        return redis.evalsha(sha, type, keys, args);
    }

    private static String resource(String name) {
        String path = "lua/" + name + ".lua";
        try (InputStream in = RedisScripts.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() { return "RedisScripts[" + name + "]"; }
}
