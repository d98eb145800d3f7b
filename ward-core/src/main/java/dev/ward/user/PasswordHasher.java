package dev.ward.user;

import dev.ward.crypto.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (OWASP's first choice). Hashes are PHC strings that carry their own
 * parameters, so a hash made under older, weaker parameters still verifies and is upgraded on the
 * next successful login ({@link #needsRehash}). Every computation runs on the {@link HashingPool}, so
 * however many requests arrive at once, no more than its threads hold Argon2 memory; beyond its queue,
 * {@link #hash} and the verifications throw {@link dev.ward.problem.ServerBusyException}.
 */
public final class PasswordHasher implements AutoCloseable {
    /** Memory in KiB, iterations, parallelism. OWASP minimum: m=19 MiB, t=2, p=1. */
    public record Params(int memoryKib, int iterations, int parallelism) {
        public static final Params OWASP = new Params(19 * 1024, 2, 1);

        public Params {
            if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
                throw new IllegalArgumentException("invalid Argon2 parameters");
            }
        }

        boolean weakerThan(Params other) {
            return memoryKib < other.memoryKib || iterations < other.iterations;
        }
    }

    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{11,})\\$([A-Za-z0-9+/]{16,})");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;

    private final Params params;
    private final HashingPool pool;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger peakRunning = new AtomicInteger();
    /** Argon2 work done so far, in KiB × passes (what a derivation costs, whatever the machine's speed). */
    private final java.util.concurrent.atomic.LongAdder work = new java.util.concurrent.atomic.LongAdder();

    /**
     * Hashes nothing: a server starts without paying for an Argon2id computation (it used to derive a stored decoy
     * hash here, over half a second of a cold JVM's start-up; issue 13 goal 4).
     */
    public PasswordHasher(Params params, HashingPool pool) {
        this.params = params;
        this.pool = pool;
    }

    public Params params() { return params; }

    public String hash(String password) {
        byte[] salt = Secrets.randomBytes(SALT_BYTES);
        byte[] out = pool.run(() -> derive(password, salt, params, HASH_BYTES));
        return "$argon2id$v=19$m=" + params.memoryKib() + ",t=" + params.iterations() + ",p=" + params.parallelism()
                + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
    }

    /**
     * Constant-time check; false (never an exception) for a malformed stored hash. Whatever the stored hash, it costs
     * at least the work of one derivation under the current parameters: a malformed one is not compared at all but
     * pays a decoy derivation, and one made under weaker parameters is topped up ({@link #topUp}), so a wrong password
     * for an account whose hash predates a parameter increase (upgraded only at its next successful login) takes as
     * long as one for an account that does not exist (C2, no user enumeration; docs/decisions/0048).
     */
    public boolean verify(String password, String phc) {
        Matcher m = PHC.matcher(phc);
        if (!m.matches()) {
            return verifyAgainstDummy(password);
        }
        Params p;
        byte[] salt;
        byte[] expected;
        try {
            p = new Params(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            salt = B64D.decode(m.group(4));
            expected = B64D.decode(m.group(5));
        } catch (IllegalArgumentException e) {
            return verifyAgainstDummy(password);
        }
        // One task on the pool, top-up included: a full pool refuses the whole verification or none of it.
        byte[] actual = pool.run(() -> {
            byte[] derived = derive(password, salt, p, expected.length);
            topUp(password, salt, p);
            return derived;
        });
        return MessageDigest.isEqual(expected, actual);
    }

    /**
     * Burns the work of a real verification (one derivation under the current parameters, through the same pool,
     * with a salt of the same length), so that "unknown user" costs what "wrong password" does; always false. No
     * comparison follows: a verification's is 32 bytes in constant time, nanoseconds beside the derivation's tens of
     * milliseconds, so there is nothing to imitate (a comparison whose result is thrown away would only look like it).
     */
    public boolean verifyAgainstDummy(String password) {
        byte[] salt = Secrets.randomBytes(SALT_BYTES);
        pool.run(() -> derive(password, salt, params, HASH_BYTES));
        return false;
    }

    /**
     * After a derivation under {@code stored} parameters, the work it fell short of one under the current parameters:
     * Argon2's work is its memory blocks times its passes, so a derivation of the missing KiB-passes (within the current
     * memory) makes up the difference. Nothing when {@code stored} is as costly or costlier.
     */
    private void topUp(String password, byte[] salt, Params stored) {
        long missing = (long) params.memoryKib() * params.iterations() - (long) stored.memoryKib() * stored.iterations();
        if (missing < 8) {
            return;
        }
        int passes = (int) ((missing + params.memoryKib() - 1) / params.memoryKib());
        int memoryKib = (int) Math.max(8, missing / passes);
        argon2(password, salt, new Params(memoryKib, passes, 1), HASH_BYTES);
    }

    public boolean needsRehash(String phc) {
        Matcher m = PHC.matcher(phc);
        if (!m.matches()) {
            return true;
        }
        Params stored = new Params(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        return stored.weakerThan(params);
    }

    /**
     * The most Argon2 computations that ever ran at once in this hasher (each holds its memory cost): for
     * operators and tests to check the pool's bound.
     */
    public int peakConcurrentHashes() { return peakRunning.get(); }

    private byte[] derive(String password, byte[] salt, Params p, int length) {
        peakRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            return argon2(password, salt, p, length);
        } finally {
            running.decrementAndGet();
        }
    }

    /**
     * The Argon2 work this hasher has done, in KiB of memory times passes: the measure of cost that tests compare
     * (equal work for an unknown user and a wrong password, decision 0048) instead of timing calls.
     */
    long workDone() { return work.sum(); }

    private byte[] argon2(String password, byte[] salt, Params p, int length) {
        work.add((long) p.memoryKib() * p.iterations());
        var parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(p.memoryKib())
                .withIterations(p.iterations())
                .withParallelism(p.parallelism())
                .withSalt(salt)
                .build();
        var generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }

    /** Stops the pool's threads. */
    @Override
    public void close() { pool.close(); }

    @Override
    public String toString() { return "PasswordHasher[argon2id " + params + ", " + pool + "]"; }
}
