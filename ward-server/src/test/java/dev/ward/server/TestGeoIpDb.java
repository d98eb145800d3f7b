package dev.ward.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Small GeoIP2 City databases for tests, written by MaxMind's own Perl writer (Debian's {@code libmaxmind-db-writer-perl},
 * which {@code .ci/run} installs), so that known test addresses map to known places.
 */
final class TestGeoIpDb {
    /** London, GB. */
    static final String LONDON = "81.2.69.142";
    /** Linkoping, SE. */
    static final String LINKOPING = "89.160.20.128";
    /** Milton, US. */
    static final String MILTON = "216.160.83.56";
    /** A public address no test database holds. */
    static final String NOWHERE = "8.8.8.8";

    static final List<String> PLACES = List.of("81.2.69.0/24=GB,London,51.5142,-0.0931",
            "89.160.20.0/24=SE,Linkoping,58.4167,15.6167", "216.160.83.0/24=US,Milton,47.2513,-122.3149");

    private TestGeoIpDb() {}

    /** Empty when the writer is installed here; otherwise what is missing. */
    static Optional<String> unavailable() {
        try {
            Process p = new ProcessBuilder("perl", "-MMaxMind::DB::Writer::Tree", "-e", "1").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 ? Optional.empty()
                    : Optional.of("MaxMind's database writer is not installed (apt-get install libmaxmind-db-writer-perl)");
        } catch (IOException e) {
            return Optional.of("perl is not installed (apt-get install libmaxmind-db-writer-perl)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /**
     * A temporary database of {@link #PLACES} and {@code more} (deleted when the JVM exits), or the suite skipped —
     * said as {@code SKIPPED SUITE}, which CI refuses — where the writer is not installed.
     */
    static Path placesOrSkip(String suite, String... more) {
        Optional<String> missing = unavailable();
        missing.ifPresent(why -> System.err.println("SKIPPED SUITE " + suite + ": " + why));
        org.junit.jupiter.api.Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        try {
            Path db = Files.createTempFile("ward-test-city", ".mmdb");
            db.toFile().deleteOnExit();
            List<String> places = new ArrayList<>(PLACES);
            places.addAll(List.of(more));
            write(db, places);
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A temporary directory holding {@code city.mmdb} of {@link #PLACES}, for suites that replace, truncate or remove
     * the file while Ward runs; closing it deletes the directory. The suite is skipped as {@link #placesOrSkip} says.
     */
    record Directory(Path dir, Path db) implements AutoCloseable {
        static Directory orSkip(String suite) {
            Optional<String> missing = unavailable();
            missing.ifPresent(why -> System.err.println("SKIPPED SUITE " + suite + ": " + why));
            org.junit.jupiter.api.Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
            try {
                Path dir = Files.createTempDirectory("ward-geo");
                Path db = dir.resolve("city.mmdb");
                write(db, PLACES);
                return new Directory(dir, db);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Writes a database mapping each {@code network=CC,City,lat,lon} to that place. */
    static void write(Path out, List<String> places) {
        try {
            Path script = Files.createTempFile("write-city-mmdb", ".pl");
            try (InputStream in = TestGeoIpDb.class.getResourceAsStream("/geoip/write-city-mmdb.pl")) {
                Files.write(script, in.readAllBytes());
            }
            List<String> command = new ArrayList<>(List.of("perl", script.toString(), out.toString()));
            command.addAll(places);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("writing the test GeoIP database failed: " + output);
            }
            Files.delete(script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
