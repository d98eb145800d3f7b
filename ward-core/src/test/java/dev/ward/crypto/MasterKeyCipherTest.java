package dev.ward.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MasterKeyCipherTest {
    private static final String PURPOSE = "tenant/hosp-a/session-attributes";
    private static final byte[] AAD = "hosp-a\u0000ses_1\u0000patient".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PLAINTEXT = "{\"mrn\":\"MRN-4711\"}".getBytes(StandardCharsets.UTF_8);

    private static MasterKey key(int seed) {
        byte[] k = new byte[MasterKey.LENGTH];
        Arrays.fill(k, (byte) seed);
        return MasterKey.load(Optional.of(Base64.getEncoder().encodeToString(k)), Path.of("/nonexistent-ward-test-dir"));
    }

    private final MasterKeyCipher cipher = new MasterKeyCipher(key(7));

    private static void assertRefused(Runnable open) {
        Throwable t = catchThrowable(open::run);
        assertThat(t).isExactlyInstanceOf(MasterKeyCipher.DecryptionException.class);
        assertThat(t.getMessage()).doesNotContain("MRN");
    }

    private static String reencode(byte[] raw) {
        return "m1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private static byte[] raw(String sealed) {
        return Base64.getUrlDecoder().decode(sealed.substring(3));
    }

    @Test
    void sealedDataOpensWithTheSamePurposeAndAssociatedData() {
        String sealed = cipher.seal(PURPOSE, PLAINTEXT, AAD);
        assertThat(cipher.open(PURPOSE, sealed, AAD)).isEqualTo(PLAINTEXT);
    }

    @Test
    void emptyAndLargePlaintextsRoundTrip() {
        byte[] large = Secrets.randomBytes(100_000);
        assertThat(cipher.open(PURPOSE, cipher.seal(PURPOSE, new byte[0], AAD), AAD)).isEmpty();
        assertThat(cipher.open(PURPOSE, cipher.seal(PURPOSE, large, new byte[0]), new byte[0])).isEqualTo(large);
    }

    @Test
    void sealedFormIsPrefixedUnpaddedBase64UrlOfNonceCiphertextAndTag() {
        String sealed = cipher.seal(PURPOSE, PLAINTEXT, AAD);
        assertThat(sealed).startsWith("m1:").matches("m1:[A-Za-z0-9_-]+");
        assertThat(raw(sealed)).hasSize(12 + PLAINTEXT.length + 16);
        assertThat(sealed).doesNotContain("MRN");
    }

    @Test
    void sealingTwiceGivesDifferentCiphertexts() {
        assertThat(cipher.seal(PURPOSE, PLAINTEXT, AAD)).isNotEqualTo(cipher.seal(PURPOSE, PLAINTEXT, AAD));
    }

    @Test
    void everyTamperedByteIsDetected() {
        byte[] raw = raw(cipher.seal(PURPOSE, PLAINTEXT, AAD));
        for (int i = 0; i < raw.length; i++) {
            byte[] tampered = raw.clone();
            tampered[i] ^= 0x01;
            String forged = reencode(tampered);
            assertRefused(() -> cipher.open(PURPOSE, forged, AAD));
        }
    }

    @Test
    void wrongPurposeIsRefused() {
        String sealed = cipher.seal(PURPOSE, PLAINTEXT, AAD);
        assertRefused(() -> cipher.open("tenant/hosp-b/session-attributes", sealed, AAD));
        assertRefused(() -> cipher.open("signing-keys", sealed, AAD));
    }

    @Test
    void wrongAssociatedDataIsRefused() {
        String sealed = cipher.seal(PURPOSE, PLAINTEXT, AAD);
        assertRefused(() -> cipher.open(PURPOSE, sealed, "hosp-a\u0000ses_2\u0000patient".getBytes(StandardCharsets.UTF_8)));
        assertRefused(() -> cipher.open(PURPOSE, sealed, new byte[0]));
    }

    @Test
    void differentMasterKeysCannotOpenEachOthersData() {
        MasterKeyCipher other = new MasterKeyCipher(key(8));
        String mine = cipher.seal(PURPOSE, PLAINTEXT, AAD);
        String theirs = other.seal(PURPOSE, PLAINTEXT, AAD);

        assertRefused(() -> other.open(PURPOSE, mine, AAD));
        assertRefused(() -> cipher.open(PURPOSE, theirs, AAD));
        assertThat(new MasterKeyCipher(key(7)).open(PURPOSE, mine, AAD)).isEqualTo(PLAINTEXT);
    }

    @Test
    void malformedInputIsRefusedWithDecryptionExceptionOnly() {
        String sealed = cipher.seal(PURPOSE, PLAINTEXT, AAD);
        List<String> inputs = new ArrayList<>(Arrays.asList(null, "", "m1", "m1:", "m1:!!!", "m1:====", "m1: ",
                "m2:" + sealed.substring(3), sealed.substring(3), "M1:" + sealed.substring(3), sealed + "=",
                sealed + "\n", " " + sealed, "m1:" + Base64.getEncoder().encodeToString(raw(sealed)) + "+/",
                "m1:AAAA", "m1:" + "A".repeat(37), reencode(new byte[27]), reencode(new byte[28]), "m1:\u00e9\u00e9\u00e9\u00e9"));
        for (int cut = 1; cut < sealed.length(); cut++) {
            inputs.add(sealed.substring(0, cut));
        }
        for (String input : inputs) {
            Throwable t = catchThrowable(() -> cipher.open(PURPOSE, input, AAD));
            assertThat(t).as("input %s", input).isExactlyInstanceOf(MasterKeyCipher.DecryptionException.class);
        }
    }

    @Test
    void decryptionExceptionCarriesNoStackTraceOrCause() {
        Throwable t = catchThrowable(() -> cipher.open(PURPOSE, "m1:!!!", AAD));
        assertThat(t.getCause()).isNull();
        assertThat(t.getStackTrace()).isEmpty();
    }

    @Test
    void cipherDoesNotPrintItsKey() {
        assertThat(cipher.toString()).doesNotContain(Base64.getEncoder().encodeToString(key(7).bytes())).contains("redacted");
    }
}
