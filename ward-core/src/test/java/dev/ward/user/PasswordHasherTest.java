package dev.ward.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.problem.ServerBusyException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHasherTest {
    private static final PasswordHasher.Params BASE = new PasswordHasher.Params(19456, 2, 1);
    private static final PasswordHasher HASHER = hasher(BASE);

    private static PasswordHasher hasher(PasswordHasher.Params params) {
        return new PasswordHasher(params, new HashingPool(2, 64));
    }
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$([A-Za-z0-9+/]{22})\\$([A-Za-z0-9+/]{43})");

    private static byte[] argon2id(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        var parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib).withIterations(iterations).withParallelism(parallelism)
                .withSalt(salt).build();
        var generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[length];
        generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().withoutPadding().encodeToString(bytes);
    }

    @Test
    void hashIsAPhcStringCarryingItsParameters() {
        String hash = HASHER.hash("Correct-Horse-9");
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").matches(PHC);
    }

    @Test
    void owaspParamsAreTheOwaspMinimum() {
        assertThat(PasswordHasher.Params.OWASP).isEqualTo(new PasswordHasher.Params(19 * 1024, 2, 1));
    }

    @Test
    void rightPasswordVerifiesAndWrongOneDoesNot() {
        String hash = HASHER.hash("Correct-Horse-9");
        assertThat(HASHER.verify("Correct-Horse-9", hash)).isTrue();
        assertThat(HASHER.verify("correct-Horse-9", hash)).isFalse();
        assertThat(HASHER.verify("Correct-Horse-9 ", hash)).isFalse();
        assertThat(HASHER.verify("", hash)).isFalse();
    }

    @Test
    void nonAsciiPasswordsVerify() {
        String hash = HASHER.hash("Grüße-aus-Zürich-1");
        assertThat(HASHER.verify("Grüße-aus-Zürich-1", hash)).isTrue();
        assertThat(HASHER.verify("Grusse-aus-Zurich-1", hash)).isFalse();
    }

    @Test
    void twoHashesOfTheSamePasswordDifferBySalt() {
        String a = HASHER.hash("Correct-Horse-9");
        String b = HASHER.hash("Correct-Horse-9");
        assertThat(a).isNotEqualTo(b);
        Matcher ma = PHC.matcher(a);
        Matcher mb = PHC.matcher(b);
        assertThat(ma.matches() && mb.matches()).isTrue();
        assertThat(ma.group(1)).isNotEqualTo(mb.group(1));
        assertThat(HASHER.verify("Correct-Horse-9", a)).isTrue();
        assertThat(HASHER.verify("Correct-Horse-9", b)).isTrue();
    }

    @Test
    void hashEqualsAnIndependentArgon2idComputationOverItsOwnSalt() {
        String hash = HASHER.hash("Correct-Horse-9");
        Matcher m = PHC.matcher(hash);
        assertThat(m.matches()).isTrue();
        byte[] salt = Base64.getDecoder().decode(m.group(1));
        byte[] expected = argon2id("Correct-Horse-9", salt, 19456, 2, 1, 32);
        assertThat(Base64.getDecoder().decode(m.group(2))).isEqualTo(expected);
    }

    @Test
    void verifyAcceptsAPhcStringBuiltIndependentlyForAFixedSalt() {
        byte[] salt = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
        byte[] out = argon2id("Known-Answer-42", salt, 19456, 2, 1, 32);
        String phc = "$argon2id$v=19$m=19456,t=2,p=1$" + b64(salt) + "$" + b64(out);

        assertThat(HASHER.verify("Known-Answer-42", phc)).isTrue();
        assertThat(HASHER.verify("Known-Answer-43", phc)).isFalse();
        assertThat(HASHER.needsRehash(phc)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // Vectors of the Argon2 reference implementation (phc-winner-argon2), password "password", salt "somesalt".
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc"})
    void verifyAcceptsTheReferenceImplementationsVectors(String phc) {
        assertThat(HASHER.verify("password", phc)).isTrue();
        assertThat(HASHER.verify("passwore", phc)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "not a hash",
            "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012",
            "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ",
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$",
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$short",
            "$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=65536,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=4,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc$extra",
            " $argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"})
    void malformedStoredHashIsFalseNotAnException(String stored) {
        assertThat(HASHER.verify("password", stored)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // Shapes the PHC pattern lets through but that are not valid unpadded base64 (length % 4 == 1).
            "$argon2id$v=19$m=256,t=2,p=1$AAAAAAAAAAAAA$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
            "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4AB"})
    void storedHashWithUndecodableBase64IsFalseNotAnException(String stored) {
        assertThat(HASHER.verify("password", stored)).isFalse();
    }

    @Test
    void needsRehashWhenStoredIterationsAreFewer() {
        String weak = HASHER.hash("Correct-Horse-9");
        assertThat(hasher(new PasswordHasher.Params(19456, 3, 1)).needsRehash(weak)).isTrue();
    }

    @Test
    void needsRehashWhenStoredMemoryIsSmaller() {
        String weak = HASHER.hash("Correct-Horse-9");
        assertThat(hasher(new PasswordHasher.Params(32768, 2, 1)).needsRehash(weak)).isTrue();
    }

    @Test
    void noRehashWhenParamsAreEqualOrStronger() {
        assertThat(HASHER.needsRehash(HASHER.hash("Correct-Horse-9"))).isFalse();
        String strong = hasher(new PasswordHasher.Params(19456, 3, 1)).hash("Correct-Horse-9");
        assertThat(HASHER.needsRehash(strong)).isFalse();
    }

    @Test
    void hashMadeUnderOtherParamsStillVerifies() {
        String old = HASHER.hash("Correct-Horse-9");
        PasswordHasher stronger = hasher(new PasswordHasher.Params(19456, 3, 1));
        assertThat(stronger.verify("Correct-Horse-9", old)).isTrue();
    }

    @Test
    void malformedHashNeedsRehash() {
        assertThat(HASHER.needsRehash("legacy-md5:5f4dcc3b5aa765d61d8327deb882cf99")).isTrue();
    }

    @Test
    void startingHashesNothingAndAnUnknownUserCostsOneDerivation() {
        try (PasswordHasher hasher = new PasswordHasher(BASE, new HashingPool(1, 0))) {
            assertThat(hasher.peakConcurrentHashes()).as("no Argon2id on start-up").isZero();
            assertThat(hasher.verifyAgainstDummy("Correct-Horse-9")).isFalse();
            assertThat(hasher.peakConcurrentHashes()).as("the decoy derives as a verification does").isEqualTo(1);
        }
    }

    /** The Argon2 work (KiB × passes) one call does: cost compared as work, never as time (a busy machine). */
    private static long workOf(PasswordHasher hasher, Runnable call) {
        long before = hasher.workDone();
        call.run();
        return hasher.workDone() - before;
    }

    @Test
    void aWrongPasswordAgainstAHashUnderOlderParamsCostsWhatAnUnknownUserDoes() {
        // A hash made before the parameters were raised stays as it is until its account next logs in successfully;
        // until then a wrong password against it must not cost less than one for a name with no account.
        PasswordHasher.Params current = new PasswordHasher.Params(8192, 3, 1);
        String old = hasher(new PasswordHasher.Params(256, 1, 1)).hash("Correct-Horse-9");
        try (PasswordHasher hasher = hasher(current)) {
            assertThat(hasher.needsRehash(old)).isTrue();
            long unknown = workOf(hasher, () -> hasher.verifyAgainstDummy("Wrong-Horse-9"));
            assertThat(unknown).isEqualTo(8192L * 3);
            // Without the top-up the old hash costs 256 of the 24,576: 1/96 of an unknown user's work.
            long known = workOf(hasher, () -> assertThat(hasher.verify("Wrong-Horse-9", old)).isFalse());
            assertThat(known).as("old hash / unknown user").isBetween(unknown - 3 * 8, unknown);
            long malformed = workOf(hasher, () -> hasher.verify("Wrong-Horse-9", "legacy-md5:5f4dcc3b5aa765d61d8327deb882cf99"));
            assertThat(malformed).as("malformed hash").isEqualTo(unknown);
            long fresh = workOf(hasher, () -> assertThat(hasher.verify("Wrong-Horse-9", hasher.hash("Correct-Horse-9"))).isFalse());
            assertThat(fresh).as("hash + verify under the current parameters").isEqualTo(2 * unknown);
            assertThat(hasher.verify("Correct-Horse-9", old)).as("the old hash still verifies").isTrue();
        }
    }

    @Test
    void verifyAgainstDummyIsAlwaysFalse() {
        assertThat(HASHER.verifyAgainstDummy("Correct-Horse-9")).isFalse();
        assertThat(HASHER.verifyAgainstDummy("")).isFalse();
    }

    @Test
    void invalidParamsAreRefused() {
        assertThatThrownBy(() -> new PasswordHasher.Params(19456, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PasswordHasher.Params(19456, 2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PasswordHasher.Params(7, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringHasNoHashMaterial() {
        assertThat(HASHER.toString()).contains("argon2id").doesNotContain("$argon2id$");
    }

    @Test
    void noMoreArgon2RunsAtOnceThanThePoolHasThreads() throws Exception {
        try (PasswordHasher hasher = new PasswordHasher(BASE, new HashingPool(2, 64))) {
            String hash = hasher.hash("Correct-Horse-9");
            // Platform threads: virtual ones would already be limited to the carrier threads (the core count).
            try (ExecutorService callers = Executors.newFixedThreadPool(16)) {
                List<Future<Boolean>> checks = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    checks.add(callers.submit(() -> hasher.verify("Correct-Horse-9", hash)));
                }
                for (Future<Boolean> check : checks) {
                    assertThat(check.get(60, TimeUnit.SECONDS)).isTrue();
                }
            }
            assertThat(hasher.peakConcurrentHashes()).isBetween(1, 2);
        }
    }

    @Test
    void aFullPoolRefusesEveryKindOfHashingAtOnceAndServesAgainWhenFree() throws Exception {
        HashingPool pool = new HashingPool(1, 0);
        try (PasswordHasher hasher = new PasswordHasher(BASE, pool)) {
            String hash = hasher.hash("Correct-Horse-9");
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread occupant = Thread.ofVirtual().start(() -> pool.run(() -> {
                running.countDown();
                try {
                    return release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
            assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();

            for (ThrowingCallable hashing : List.<ThrowingCallable>of(() -> hasher.hash("Another-Horse-9"),
                    () -> hasher.verify("Correct-Horse-9", hash), () -> hasher.verifyAgainstDummy("Correct-Horse-9"))) {
                assertThatThrownBy(hashing).isInstanceOfSatisfying(ServerBusyException.class,
                        busy -> assertThat(busy.retryAfterSeconds()).isEqualTo(1));
            }

            release.countDown();
            occupant.join(60_000);
            assertThat(hasher.verify("Correct-Horse-9", hash)).isTrue();
        }
    }

    @Test
    void aBusyRefusalCarriesNothingOfThePassword() {
        ServerBusyException busy = new ServerBusyException("password hashing", HashingPool.RETRY_AFTER);
        assertThat(busy.getMessage()).isEqualTo("password hashing is at capacity");
        assertThat(busy.getStackTrace()).isEmpty();
    }
}
