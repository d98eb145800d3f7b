package dev.ward.store.redis;

import io.lettuce.core.RedisCommandExecutionException;
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
import java.util.List;

/**
 * One of Ward's Lua scripts (common.lua + its own body). Run as a function of one Redis function library that holds
 * them all ({@code FCALL}; decision 0046): common.lua's definitions then run once, when the library is loaded, instead of
 * at every call, as they do for a script sent by {@code EVALSHA} (some 10 µs of Redis CPU a call, a third of a
 * validation's). Where a Redis node does not know the library yet (first use, restart, failover, {@code FUNCTION
 * FLUSH}) it is loaded on every master and the call repeated; where Redis has no functions (before 7.0) or may not load
 * them (an ACL without {@code FUNCTION}), the same code runs as a script, by {@code EVALSHA} and, where a node does not
 * know the script yet, by {@code EVAL}, which also loads it there.
 *
 * <p>The library's name carries a digest of its source ({@code ward_<12 hex digits>}), and so do its functions: two Ward
 * versions side by side in a rolling upgrade each call their own code. A version's library stays in Redis after every
 * node has moved on (a few tens of kilobytes; operations.md says how to delete it).
 */
final class RedisScripts {
    /** Every script, in the order the library defines them. */
    private static final List<String> NAMES = List.of("admit", "touch", "peek", "rotate", "revoke", "revoke_user",
            "live_user", "user_sessions", "update_roles", "set_aal", "update_client", "delete", "read", "token_hash",
            "upgrade", "undo_rotate", "attribute_put", "attribute_replace", "patient_open", "patient_data", "patient_list",
            "patient_close", "rate_limit", "refused_record", "refused_claim");

    /** The function library, as {@code FUNCTION LOAD} takes it, and its name's digest. */
    static final String LIBRARY;
    static final String VERSION;

    static {
        StringBuilder functions = new StringBuilder();
        for (String name : NAMES) {
            functions.append("\nlocal function script_").append(name).append("(KEYS, ARGV)\nbegin(ARGV)\n")
                    .append(resource(name)).append("\nend\n");
        }
        String body = resource("common") + functions;
        VERSION = sha1Hex(body).substring(0, 12);
        StringBuilder library = new StringBuilder("#!lua name=ward_").append(VERSION).append('\n').append(body);
        for (String name : NAMES) {
            library.append("redis.register_function('").append(functionName(name)).append("', script_").append(name)
                    .append(")\n");
        }
        LIBRARY = library.toString();
    }

    private final String name;
    private final String function;
    private final String source;
    private final String sha;

    private RedisScripts(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("not one of the library's scripts: " + name);
        }
        this.name = name;
        this.function = functionName(name);
        this.source = resource("common") + "\nbegin(ARGV)\n" + resource(name);
        this.sha = sha1Hex(source);
    }

    static RedisScripts load(String name) {
        return new RedisScripts(name);
    }

    private static String functionName(String name) {
        return "ward_" + VERSION + "_" + name;
    }

    /**
     * Runs the script on {@code redis} (a routing connection, or one node's), as a function where {@code connection}
     * has functions, else as a script.
     */
    <T> T run(RedisConnection connection, RedisClusterCommands<String, String> redis, ScriptOutputType type, String[] keys,
              String... args) {
        if (connection.functions()) {
            long loads = connection.loads();
            boolean again;
            try {
                return redis.fcall(function, type, keys, args);
            } catch (RedisCommandExecutionException e) {
                // Redis at maxmemory or a read-only replica refuses a function that may write before it runs, a script
                // only at a command that writes: reads (and deletions that free memory) go on as they did before functions.
                again = !RedisConnection.refusedAsAWrite(e);
                if (again && !connection.loadFunctions(e, loads)) {
                    throw e;
                }
            }
            if (again && connection.functions()) {
                try {
                    return redis.fcall(function, type, keys, args);
                } catch (RedisCommandExecutionException e) {
                    if (!RedisConnection.functionMissing(e) && !RedisConnection.refusedAsAWrite(e)) {
                        throw e;
                    }
                    // Loaded on every master a moment ago and missing again (a failover in between), or refused as a
                    // write (Redis full, a replica): this once, as a script.
                }
            }
        }
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(source, type, keys, args);
        }
    }

    /**
     * Sends the script without waiting (pipelined), as a function where {@code connection} has functions; fails where
     * the node lacks the library (or the script), and {@link #run} then loads it.
     */
    <T> RedisFuture<T> runAsync(RedisConnection connection, RedisClusterAsyncCommands<String, String> redis,
                                ScriptOutputType type, String[] keys, String... args) {
        return connection.functions() ? redis.fcall(function, type, keys, args) : redis.evalsha(sha, type, keys, args);
    }

    /** The text of one of the scripts ({@code common} too), for tests that run parts of them. */
    static String text(String name) {
        return resource(name);
    }

    /** The name of this script's function in {@link #LIBRARY}. */
    String function() { return function; }

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
