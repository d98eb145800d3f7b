package dev.ward.bench;

import dev.ward.user.HashingPool;
import dev.ward.user.PasswordHasher;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ceiling of a password login (issue 13, item 6): Argon2id at Ward's parameters
 * ({@link PasswordHasher.Params#OWASP}, read from ward-core, not copied: m=19456 KiB, t=2, p=1, 16-byte salt,
 * 32-byte output), computed by the library Ward uses (Bouncy Castle's {@link Argon2BytesGenerator}).
 * <ul>
 *   <li>{@code raw1}, {@code raw2}: the bare computation on 1 and on 2 threads; {@code raw2} is the figure a
 *       server with 2 concurrent logins on this 2-core machine can at best reach (bench/peers.sh divides Ward's
 *       measured login rate by it).</li>
 *   <li>{@code hasherVerify2}: {@link PasswordHasher#verify} on 2 threads, through the bounded {@link HashingPool}
 *       sized as the server sizes it (threads = cores, queue = 4 × cores): what the pool hand-off and the PHC
 *       parsing add to the bare computation.</li>
 * </ul>
 * Each result is checked (the verification must succeed), so a failing path is never measured.
 * Throughput in operations per second summed over the threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class Argon2Benchmark {
    static final PasswordHasher.Params PARAMS = PasswordHasher.Params.OWASP;
    static final byte[] PASSWORD = "Quartz-Lantern-Ferry-58!".getBytes(StandardCharsets.UTF_8);
    static final byte[] SALT = "sixteen-byte-slt".getBytes(StandardCharsets.US_ASCII);

    private PasswordHasher hasher;
    private String storedHash;

    @Setup
    public void setUp() {
        int cores = Runtime.getRuntime().availableProcessors();
        hasher = new PasswordHasher(PARAMS, new HashingPool(cores, 4 * cores));
        storedHash = hasher.hash(new String(PASSWORD, StandardCharsets.UTF_8));
    }

    @TearDown
    public void tearDown() {
        hasher.close();
    }

    static byte[] argon2() {
        var parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(PARAMS.memoryKib())
                .withIterations(PARAMS.iterations())
                .withParallelism(PARAMS.parallelism())
                .withSalt(SALT)
                .build();
        var generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[32];
        generator.generateBytes(PASSWORD, out);
        return out;
    }

    @Benchmark
    @Threads(1)
    public byte[] raw1() {
        return argon2();
    }

    @Benchmark
    @Threads(2)
    public byte[] raw2() {
        return argon2();
    }

    @Benchmark
    @Threads(2)
    public boolean hasherVerify2() {
        if (!hasher.verify(new String(PASSWORD, StandardCharsets.UTF_8), storedHash)) {
            throw new IllegalStateException("the password did not verify");
        }
        return true;
    }
}
