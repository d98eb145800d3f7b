package dev.ward.bench;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.subtle.AesGcmJce;
import dev.ward.access.Actor;
import dev.ward.crypto.CryptoService;
import dev.ward.crypto.Fernet;
import dev.ward.crypto.Secrets;
import dev.ward.server.Config;
import dev.ward.server.Ward;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ward's encryption of one value of {@code size} bytes, through the real wiring ({@link Ward.Core#open} on the
 * embedded store; the tenant's key is cached, as on a warm server), against the floors it is built on:
 * <ul>
 *   <li>{@code tenantSeal}/{@code tenantOpen}: {@code TenantKeys} — a fresh data key per value (Tink envelope),
 *       the text form {@code ward:v{N}:…}; what session attributes and MFA secrets pay.</li>
 *   <li>{@code apiEncrypt}/{@code apiDecrypt}: {@code CryptoService} — the above plus scope check, validation
 *       and counting; what {@code POST /v1/crypto/*} pays before HTTP and JSON.</li>
 *   <li>{@code rawAesGcmSeal}/{@code rawAesGcmOpen}: Tink's AES-256-GCM with one fixed key, bytes in and out:
 *       the floor (compare {@code openssl speed -evp aes-256-gcm}).</li>
 *   <li>{@code fernetDecrypt}: {@link Fernet} verifying and decrypting a token of the same plaintext size.</li>
 * </ul>
 * Every result is checked, so an error path is never measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class CryptoBenchmark {
    static final String TENANT = "bench";
    static final String PASSWORD = "Quartz-Lantern-Ferry-58!";

    @Param({"64", "4096"})
    int size;

    private Path dataDir;
    private Ward.Core core;
    private Actor.ApiKey app;
    private byte[] plaintext;
    private String plaintextText;
    private byte[] context;
    private String sealed;
    private String apiCiphertext;
    private Aead rawAead;
    private byte[] rawCiphertext;
    private Fernet fernet;
    private String fernetToken;
    private Instant now;

    @Setup(Level.Trial)
    public void setUp() throws IOException, GeneralSecurityException {
        dataDir = Files.createTempDirectory("ward-bench-");
        Config config = Config.fromEnvironment(Map.of("WARD_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD), "127.0.0.1", 0, dataDir);
        core = Ward.Core.open(config, Clock.systemUTC());
        core.tenants().create(new Actor.Operator(), TENANT, "Bench", Map.of());
        app = new Actor.ApiKey(TENANT, "key_bench", java.util.Set.of(dev.ward.access.Scope.CRYPTO));

        plaintextText = "x".repeat(size);
        plaintext = plaintextText.getBytes(StandardCharsets.UTF_8);
        context = "patient-4711".getBytes(StandardCharsets.UTF_8);
        sealed = core.keys().seal(TENANT, "note", plaintext, context);
        apiCiphertext = core.crypto().encrypt(app, new CryptoService.EncryptItem("note", plaintextText, Optional.of("patient-4711")));

        rawAead = new AesGcmJce(Secrets.randomBytes(32));
        rawCiphertext = rawAead.encrypt(plaintext, context);

        byte[] fernetKey = Secrets.randomBytes(32);
        fernet = Fernet.key(Base64.getUrlEncoder().encodeToString(fernetKey)).orElseThrow();
        now = Instant.now();
        fernetToken = fernetToken(fernetKey, plaintext, now.getEpochSecond());
        check(Arrays.equals(fernet.decrypt(fernetToken, now, Optional.empty()), plaintext));
        check(Arrays.equals(core.keys().open(TENANT, "note", sealed, context), plaintext));
    }

    /** A Fernet token per the spec (version, timestamp, IV, AES-128-CBC, HMAC-SHA256), made here for the benchmark. */
    static String fernetToken(byte[] key, byte[] plaintext, long timestamp) throws GeneralSecurityException {
        byte[] iv = Secrets.randomBytes(16);
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 16, 16, "AES"), new IvParameterSpec(iv));
        byte[] ct = aes.doFinal(plaintext);
        ByteBuffer body = ByteBuffer.allocate(1 + 8 + 16 + ct.length + 32);
        body.put((byte) 0x80).putLong(timestamp).put(iv).put(ct);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, 0, 16, "HmacSHA256"));
        mac.update(body.array(), 0, body.position());
        body.put(mac.doFinal());
        return Base64.getUrlEncoder().encodeToString(body.array());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        core.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void check(boolean ok) {
        if (!ok) {
            throw new IllegalStateException("benchmark result check failed");
        }
    }

    @Benchmark
    public String tenantSeal() {
        return core.keys().seal(TENANT, "note", plaintext, context);
    }

    @Benchmark
    public byte[] tenantOpen() {
        byte[] out = core.keys().open(TENANT, "note", sealed, context);
        check(out.length == size);
        return out;
    }

    @Benchmark
    public String apiEncrypt() {
        return core.crypto().encrypt(app, new CryptoService.EncryptItem("note", plaintextText, Optional.of("patient-4711")));
    }

    @Benchmark
    public String apiDecrypt() {
        String out = core.crypto().decrypt(app, new CryptoService.DecryptItem("note", apiCiphertext, Optional.of("patient-4711")));
        check(out.length() == size);
        return out;
    }

    @Benchmark
    public byte[] rawAesGcmSeal() throws GeneralSecurityException {
        return rawAead.encrypt(plaintext, context);
    }

    @Benchmark
    public byte[] rawAesGcmOpen() throws GeneralSecurityException {
        byte[] out = rawAead.decrypt(rawCiphertext, context);
        check(out.length == size);
        return out;
    }

    @Benchmark
    public byte[] fernetDecrypt() {
        byte[] out = fernet.decrypt(fernetToken, now, Optional.empty());
        check(out.length == size);
        return out;
    }

    /** The whole batch path for 100 values of this size, per call. */
    @Benchmark
    public List<String> apiEncryptBatchOf100() {
        List<CryptoService.EncryptItem> items = java.util.Collections.nCopies(100,
                new CryptoService.EncryptItem("note", plaintextText, Optional.empty()));
        return core.crypto().encryptAll(app, items);
    }
}
