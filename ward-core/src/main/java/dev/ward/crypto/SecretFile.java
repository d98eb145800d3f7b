package dev.ward.crypto;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Supplier;

/**
 * A secret kept in a file of its own, readable by its owner only (mode 0600): the development master key and
 * the embedded database's password.
 */
public final class SecretFile {
    private SecretFile() {}

    /** The file's content (trimmed) and whether this call wrote it. */
    public record Read(String value, boolean created) {
        @Override public String toString() { return "Read[value=<redacted>, created=" + created + "]"; }
    }

    /**
     * Reads the secret, first writing {@code generate}'s value when the file does not exist. The value is written
     * whole to a private temporary file and published with a hard link, which fails if the file exists: two
     * processes starting at once agree on one value and never read a half-written file.
     */
    public static Read readOrCreate(Path file, Supplier<String> generate) throws IOException {
        boolean created = false;
        if (!Files.exists(file)) {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, generate.get() + "\n");
                Files.createLink(file, tmp);
                created = true;
            } catch (FileAlreadyExistsException raced) {
                created = false;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return new Read(Files.readString(file).trim(), created);
    }
}
