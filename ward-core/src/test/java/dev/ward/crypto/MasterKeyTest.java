package dev.ward.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyTest {
    @TempDir
    Path dir;

    private static String base64Of(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (0x41 + i);
        }
        return Base64.getEncoder().encodeToString(b);
    }

    @Test
    void environmentKeyOfThirtyTwoBytesIsUsedAndNoFileIsWritten() {
        String env = base64Of(32);
        MasterKey key = MasterKey.load(Optional.of(env), dir);
        assertThat(key.source()).isEqualTo(MasterKey.Source.ENVIRONMENT);
        assertThat(key.bytes()).isEqualTo(Base64.getDecoder().decode(env));
        assertThat(dir.resolve(MasterKey.FILE_NAME)).doesNotExist();
    }

    @Test
    void environmentKeyWithSurroundingWhitespaceIsAccepted() {
        String env = base64Of(32);
        assertThat(MasterKey.load(Optional.of("  " + env + "\n"), dir).bytes()).isEqualTo(Base64.getDecoder().decode(env));
    }

    @Test
    void environmentKeyOfWrongLengthIsRefusedWithoutEchoingIt() {
        String env = base64Of(16);
        IllegalStateException e = catchThrowableOfType(IllegalStateException.class,
                () -> MasterKey.load(Optional.of(env), dir));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("WARD_MASTER_KEY").contains("32 bytes").doesNotContain(env)
                .doesNotContain(env.substring(0, 8));
    }

    @Test
    void environmentKeyTooLongIsRefused() {
        String env = base64Of(64);
        IllegalStateException e = catchThrowableOfType(IllegalStateException.class,
                () -> MasterKey.load(Optional.of(env), dir));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("WARD_MASTER_KEY").doesNotContain(env.substring(0, 8));
    }

    @Test
    void environmentKeyThatIsNotBase64IsRefusedWithoutEchoingIt() {
        String env = "s3cr3t-Key-Material!!-not*base64";
        IllegalStateException e = catchThrowableOfType(IllegalStateException.class,
                () -> MasterKey.load(Optional.of(env), dir));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("WARD_MASTER_KEY").contains("base64").doesNotContain("s3cr3t")
                .doesNotContain(env);
        assertThat(e.getCause()).isNull();
    }

    @Test
    void generatedKeyFileIsReadableByTheOwnerOnly() throws IOException {
        MasterKey key = MasterKey.load(Optional.empty(), dir);
        Path file = dir.resolve(MasterKey.FILE_NAME);
        assertThat(key.source()).isEqualTo(MasterKey.Source.DEV_KEY_FILE);
        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(key.bytes()).hasSize(MasterKey.LENGTH);
        assertThat(Base64.getDecoder().decode(Files.readString(file).trim())).isEqualTo(key.bytes());
    }

    @Test
    void missingDataDirectoryIsCreated() {
        Path nested = dir.resolve("a/b/ward-data");
        MasterKey.load(Optional.empty(), nested);
        assertThat(nested.resolve(MasterKey.FILE_NAME)).exists();
    }

    @Test
    void blankEnvironmentValueFallsBackToTheKeyFile() {
        MasterKey key = MasterKey.load(Optional.of("   "), dir);
        assertThat(key.source()).isEqualTo(MasterKey.Source.DEV_KEY_FILE);
        assertThat(dir.resolve(MasterKey.FILE_NAME)).exists();
    }

    @Test
    void secondLoadReadsTheSameKey() throws IOException {
        MasterKey first = MasterKey.load(Optional.empty(), dir);
        String fileBefore = Files.readString(dir.resolve(MasterKey.FILE_NAME));
        MasterKey second = MasterKey.load(Optional.empty(), dir);
        assertThat(second.bytes()).isEqualTo(first.bytes());
        assertThat(Files.readString(dir.resolve(MasterKey.FILE_NAME))).isEqualTo(fileBefore);
    }

    @Test
    void differentDataDirectoriesGetDifferentKeys(@TempDir Path other) {
        assertThat(MasterKey.load(Optional.empty(), dir).bytes()).isNotEqualTo(MasterKey.load(Optional.empty(), other).bytes());
    }

    @Test
    void corruptKeyFileIsRefusedWithoutEchoingItsContent() throws IOException {
        Files.writeString(dir.resolve(MasterKey.FILE_NAME), base64Of(20) + "\n");
        IllegalStateException e = catchThrowableOfType(IllegalStateException.class,
                () -> MasterKey.load(Optional.empty(), dir));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains(MasterKey.FILE_NAME).contains("32 bytes").doesNotContain(base64Of(20).substring(0, 8));
    }

    @Test
    void toStringNeverContainsTheKey() {
        MasterKey fromFile = MasterKey.load(Optional.empty(), dir);
        String env = base64Of(32);
        MasterKey fromEnv = MasterKey.load(Optional.of(env), dir);
        for (MasterKey key : new MasterKey[] {fromFile, fromEnv}) {
            String text = key.toString();
            String b64 = Base64.getEncoder().encodeToString(key.bytes());
            assertThat(text).doesNotContain(b64).doesNotContain(b64.substring(0, 8))
                    .doesNotContain(java.util.HexFormat.of().formatHex(key.bytes()).substring(0, 16))
                    .contains("redacted");
        }
    }

    @Test
    void bytesAreADefensiveCopy() {
        MasterKey key = MasterKey.load(Optional.of(base64Of(32)), dir);
        byte[] copy = key.bytes();
        copy[0] ^= 0x7f;
        assertThat(key.bytes()).isNotEqualTo(copy);
    }
}
