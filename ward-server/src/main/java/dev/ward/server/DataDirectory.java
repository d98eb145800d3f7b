package dev.ward.server;

import dev.ward.crypto.SecretFile;
import dev.ward.crypto.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded mode's data directory: the H2 database, its password and the development master key. It belongs
 * to the account that runs Ward and to nobody else: the directory is 0700 and every file in it 0600.
 */
public final class DataDirectory {
    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);
    /** The embedded database's password, random, kept like the development master key. */
    public static final String DATABASE_PASSWORD_FILE = "database.password";
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private DataDirectory() {}

    /**
     * Creates the directory private, or makes an existing one and everything in it private, with a warning for
     * whatever another account could reach.
     */
    public static void secure(Path dir) {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
            }
        } catch (UnsupportedOperationException noPosix) {
            createPlain(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the data directory " + dir, e);
        }
        List<String> loosened = tighten(dir);
        if (!loosened.isEmpty()) {
            log.warn("Other accounts could reach the data directory {}: {}. It is private now (directory 0700, files 0600).",
                    dir, String.join(", ", loosened));
        }
    }

    /**
     * Makes the directory 0700 and every file in it 0600 (H2 creates its files with the process's umask), and
     * returns what was looser, e.g. {@code ward.mv.db (rw-r--r--)}.
     */
    public static List<String> tighten(Path dir) {
        return walk(dir, true);
    }

    /** What in the directory another account could reach, changing nothing (for {@code ward check}). */
    public static List<String> loose(Path dir) {
        return walk(dir, false);
    }

    private static List<String> walk(Path dir, boolean fix) {
        List<String> loose = new ArrayList<>();
        try {
            if (!Files.isDirectory(dir) || !Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                return loose;
            }
            List<Path> paths;
            try (Stream<Path> all = Files.walk(dir)) {
                paths = all.filter(p -> !Files.isSymbolicLink(p)).toList();
            }
            for (Path p : paths) {
                Set<PosixFilePermission> wanted = Files.isDirectory(p) ? DIRECTORY : FILE;
                try {
                    Set<PosixFilePermission> now = Files.getPosixFilePermissions(p);
                    if (!wanted.containsAll(now)) {
                        loose.add((p.equals(dir) ? dir.toString() : dir.relativize(p).toString())
                                + " (" + PosixFilePermissions.toString(now) + ")");
                        if (fix) {
                            Files.setPosixFilePermissions(p, wanted);
                        }
                    }
                } catch (NoSuchFileException gone) {
                    // H2 removes its temporary files as it goes; what is gone needs no protection
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("Cannot check the permissions in the data directory " + dir, e);
        }
        return loose;
    }

    /** The embedded database's password, created with the directory's first database. */
    public static String databasePassword(Path dir) {
        try {
            return SecretFile.readOrCreate(dir.resolve(DATABASE_PASSWORD_FILE), () -> Secrets.newToken("", 32)).value();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create " + dir.resolve(DATABASE_PASSWORD_FILE), e);
        }
    }

    /** The password if the directory has one, creating nothing (a database made before passwords has none). */
    public static Optional<String> existingDatabasePassword(Path dir) {
        Path file = dir.resolve(DATABASE_PASSWORD_FILE);
        try {
            return Files.exists(file) ? Optional.of(Files.readString(file).trim()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static void createPlain(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the data directory " + dir, e);
        }
    }
}
