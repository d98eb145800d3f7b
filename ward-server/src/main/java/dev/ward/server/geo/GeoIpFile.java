package dev.ward.server.geo;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import dev.ward.geo.Geolocation;
import dev.ward.geo.Location;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locations from the operator's MaxMind GeoIP2 / GeoLite2 City file ({@code WARD_GEOIP_DB}), read with MaxMind's own
 * reader. The file is read whole into memory, so replacing it (the usual weekly update) never disturbs lookups in
 * flight; {@link #refresh} rereads it when its modification time or size changed, and the schedule calls it. A file
 * that is missing or unreadable leaves locations off (or on the last good edition) and is said once in the log, not
 * on every look.
 */
public final class GeoIpFile implements Geolocation, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GeoIpFile.class);

    private record Loaded(DatabaseReader reader, FileTime modified, long size, String type, long buildEpochSeconds) {}

    private final Path file;
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    /** What the last failed read said, so the same failure is logged once. */
    private volatile String lastProblem;

    private GeoIpFile(Path file) { this.file = file; }

    /** Opens the file (a missing or bad one is reported and left for {@link #refresh} to pick up later). */
    public static GeoIpFile open(Path file) {
        GeoIpFile geo = new GeoIpFile(file);
        geo.refresh();
        return geo;
    }

    @Override
    public Optional<Location> locate(String ip) {
        Loaded loaded = current.get();
        if (loaded == null || !Geolocation.isPublic(ip)) {
            return Optional.empty();
        }
        Optional<InetAddress> address = Geolocation.literal(ip);
        if (address.isEmpty()) {
            return Optional.empty();
        }
        try {
            return loaded.reader().tryCity(address.get()).flatMap(GeoIpFile::location);
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            // A corrupt record or a database of another type: no location for this address, never a failed request.
            return Optional.empty();
        }
    }

    private static Optional<Location> location(CityResponse r) {
        String country = r.getCountry() == null ? null : r.getCountry().getIsoCode();
        if (country == null) {
            return Optional.empty();
        }
        String city = r.getCity() == null ? null : r.getCity().getName();
        Double lat = r.getLocation() == null ? null : r.getLocation().getLatitude();
        Double lon = r.getLocation() == null ? null : r.getLocation().getLongitude();
        return Optional.of(new Location(country, city, lat, lon));
    }

    /** Rereads the file if it changed since the last read; true when a new edition is now in use. */
    public boolean refresh() {
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(file);
            size = Files.size(file);
        } catch (IOException e) {
            problem("cannot be read (" + e.getClass().getSimpleName() + ")");
            return false;
        }
        Loaded old = current.get();
        if (old != null && old.modified().equals(modified) && old.size() == size) {
            return false;
        }
        try {
            DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).fileMode(Reader.FileMode.MEMORY)
                    .withCache(new CHMCache()).build();
            String type = reader.getMetadata().getDatabaseType();
            if (!type.contains("City")) {
                reader.close();
                problem("is a " + type + " database, not a GeoIP2/GeoLite2 City one");
                return false;
            }
            if (!walks(reader)) {
                reader.close();
                problem("is damaged (its search tree leads outside the file)");
                return false;
            }
            long built = reader.getMetadata().getBuildDate().getTime() / 1000;
            current.set(new Loaded(reader, modified, size, type, built));
            lastProblem = null;
            if (old != null) {
                old.reader().close();
            }
            log.info("geolocation: using {} ({}, built {})", file, type, java.time.Instant.ofEpochSecond(built));
            return true;
        } catch (IOException | RuntimeException e) {
            problem("is not a MaxMind DB file (" + e.getClass().getSimpleName() + ")");
            return false;
        }
    }

    /**
     * Whether lookups across the whole address space work. The reader checks only the metadata at the end of the file,
     * so the tail of a file cut short or half-copied passes as a database whose every lookup fails: taking it would
     * turn {@code geo.allowed_countries} into "refuse everyone" until the next good edition.
     */
    private static boolean walks(DatabaseReader reader) {
        try {
            for (int first = 1; first < 224; first++) {
                reader.tryCity(InetAddress.getByAddress(new byte[] {(byte) first, (byte) (first * 7), (byte) (first * 13), 1}));
            }
            if (reader.getMetadata().getIpVersion() == 6) {
                for (int first = 0x2001; first < 0x2c00; first += 0x41) {
                    byte[] v6 = new byte[16];
                    v6[0] = (byte) (first >> 8);
                    v6[1] = (byte) first;
                    v6[15] = 1;
                    reader.tryCity(InetAddress.getByAddress(v6));
                }
            }
            return true;
        } catch (IOException | GeoIp2Exception | RuntimeException e) {
            return false;
        }
    }

    private void problem(String what) {
        String message = "WARD_GEOIP_DB " + file + " " + what + "; "
                + (current.get() == null ? "locations are off until it can be read" : "keeping the edition read before");
        if (!message.equals(lastProblem)) {
            lastProblem = message;
            log.warn("geolocation: {}", message);
        }
    }

    /** What {@code ward check} says: the edition in use and why a newer file was not taken, or why there is none. */
    public String describe() {
        Loaded loaded = current.get();
        if (loaded == null) {
            return lastProblem == null ? file + " not read yet" : lastProblem;
        }
        String inUse = file + " (" + loaded.type() + ", built " + java.time.Instant.ofEpochSecond(loaded.buildEpochSeconds()) + ")";
        // A newer file that could not be read is news to the operator, though lookups go on with the edition in use.
        return lastProblem == null ? inUse : inUse + "; " + lastProblem;
    }

    /** Whether an edition is in use. */
    public boolean loaded() { return current.get() != null; }

    @Override
    public void close() {
        Loaded loaded = current.getAndSet(null);
        if (loaded != null) {
            try {
                loaded.reader().close();
            } catch (IOException ignored) {
                // memory mode: nothing held open
            }
        }
    }
}
