package dev.ward.crypto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The 256-bit master key that wraps every tenant key. From {@code WARD_MASTER_KEY} (base64) in
 * production; otherwise a key file generated in the data directory (mode 0600), for development only.
 */
public final class MasterKey {
    private static final Logger log = LoggerFactory.getLogger(MasterKey.class);
    public static final String FILE_NAME = "master.key";
    public static final int LENGTH = 32;

    public enum Source { ENVIRONMENT, DEV_KEY_FILE }

    private final byte[] key;
    private final Source source;

    private MasterKey(byte[] key, Source source) {
        this.key = key;
        this.source = source;
    }

    public static MasterKey load(Optional<String> fromEnvironment, Path dataDir) {
        if (fromEnvironment.isPresent() && !fromEnvironment.get().isBlank()) {
            return new MasterKey(decode(fromEnvironment.get().trim(), "WARD_MASTER_KEY"), Source.ENVIRONMENT);
        }
        Path file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            SecretFile.Read read = SecretFile.readOrCreate(file, () -> Base64.getEncoder().encodeToString(Secrets.randomBytes(LENGTH)));
            if (read.created()) {
                log.warn("Generated a development master key at {}. It is for development only: set WARD_MASTER_KEY "
                        + "(base64 of 32 random bytes) in production and keep it out of the data directory.", file);
            } else {
                log.warn("Using the development master key file {}; set WARD_MASTER_KEY in production.", file);
            }
            return new MasterKey(decode(read.value(), file.toString()), Source.DEV_KEY_FILE);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read or create the master key file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The master key without creating anything, for a check that only reads: from the environment, else the
     * development key file if it exists.
     */
    public static Optional<MasterKey> existing(Optional<String> fromEnvironment, Path dataDir) {
        if (fromEnvironment.isPresent() && !fromEnvironment.get().isBlank()) {
            return Optional.of(new MasterKey(decode(fromEnvironment.get().trim(), "WARD_MASTER_KEY"), Source.ENVIRONMENT));
        }
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new MasterKey(decode(Files.readString(file).trim(), file.toString()), Source.DEV_KEY_FILE));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the master key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] decode(String base64, String where) {
        byte[] k;
        try {
            k = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + " is not valid base64 (expected base64 of 32 random bytes)");
        }
        if (k.length != LENGTH) {
            throw new IllegalStateException(where + " must decode to exactly 32 bytes, got " + k.length);
        }
        return k;
    }

    public byte[] bytes() { return Arrays.copyOf(key, key.length); }

    public Source source() { return source; }

    @Override
    public String toString() { return "MasterKey[source=" + source + ", key=<redacted>]"; }
}
