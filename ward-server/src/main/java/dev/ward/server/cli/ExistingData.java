package dev.ward.server.cli;

import dev.ward.problem.ProblemException;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.server.Config;
import dev.ward.server.DataDirectory;
import dev.ward.server.Ward;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;

/** Opens the data a server runs on (embedded or production) for a CLI command, or says why it cannot. */
final class ExistingData {
    private ExistingData() {}

    /** The configuration for {@code command}, or empty after printing why not (exit code 2). */
    static Optional<Config> config(String command, Path dataDir, PrintStream err) {
        java.util.Map<String, String> env = dev.ward.server.ConfigFile.current();
        Path dir = Config.dataDir(dataDir, env);
        boolean production = !env.getOrDefault("WARD_DATABASE_URL", "").isBlank();
        if (!production && !Files.exists(dir.resolve("ward.mv.db"))) {
            err.println(command + ": no Ward database in " + dir + " (use --data-dir or WARD_DATA_DIR).");
            return Optional.empty();
        }
        try {
            return Optional.of(Config.fromEnvironment(env, Config.DEFAULT_HOST, 0, dir));
        } catch (Config.ConfigException e) {
            err.println(command + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Runs {@code work} as the operator on the data of a server, which may be running; a refusal (unknown tenant or
     * user, a weak password, ...) prints its detail and gives exit code 2.
     */
    static int run(String command, Path dataDir, Function<Ward.Core, Integer> work) {
        PrintStream err = System.err;
        Optional<Config> config = config(command, dataDir, err);
        if (config.isEmpty()) {
            return 2;
        }
        try (Ward.Core core = Ward.Core.open(config.get(), Clock.systemUTC())) {
            return work.apply(core);
        } catch (ProblemException e) {
            err.println(command + ": " + e.detail());
            return 2;
        } catch (StoreUnavailableException e) {
            err.println(command + ": " + explain(e, config.get()));
            return 1;
        }
    }

    /** A store that does not answer, with what to look at; never a URL or a driver's message. */
    static String explain(StoreUnavailableException e, Config config) {
        String message = e.getMessage();
        if (e.store().equals("redis")) {
            return message + " (is WARD_REDIS_URL right, and does Redis answer there?)";
        }
        if (config.production()) {
            return message + " (check the host, database, user and password of WARD_DATABASE_URL, and that PostgreSQL answers there)";
        }
        if (message.endsWith("authentication failed")) {
            return message + " (" + config.dataDir().resolve(DataDirectory.DATABASE_PASSWORD_FILE)
                    + " does not hold the embedded database's password)";
        }
        return message + " (is another program holding the data directory " + config.dataDir() + "?)";
    }
}
