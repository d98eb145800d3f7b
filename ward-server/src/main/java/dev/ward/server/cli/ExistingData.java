package dev.ward.server.cli;

import dev.ward.server.Config;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Opens the data a server runs on (embedded or production) for a CLI command, or says why it cannot. */
final class ExistingData {
    private ExistingData() {}

    /** The configuration for {@code command}, or empty after printing why not (exit code 2). */
    static Optional<Config> config(String command, Path dataDir, PrintStream err) {
        Path dir = Config.dataDir(dataDir, System.getenv());
        boolean production = !System.getenv().getOrDefault("WARD_DATABASE_URL", "").isBlank();
        if (!production && !Files.exists(dir.resolve("ward.mv.db"))) {
            err.println(command + ": no Ward database in " + dir + " (use --data-dir or WARD_DATA_DIR).");
            return Optional.empty();
        }
        try {
            return Optional.of(Config.fromEnvironment(System.getenv(), Config.DEFAULT_HOST, 0, dir));
        } catch (Config.ConfigException e) {
            err.println(command + ": " + e.getMessage());
            return Optional.empty();
        }
    }
}
