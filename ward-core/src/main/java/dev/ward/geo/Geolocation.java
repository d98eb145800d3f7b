package dev.ward.geo;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Locates client addresses (C8: {@code WARD_GEOIP_DB}); {@link #OFF} where no database is configured. */
public interface Geolocation {
    Geolocation OFF = ip -> Optional.empty();

    /** Where the address is; empty when it is not an address, not public, not in the database, or locations are off. */
    Optional<Location> locate(String ip);

    /**
     * Whether an address is on the public Internet: not loopback, private (RFC 1918, RFC 4193), link-local, carrier-grade
     * NAT (RFC 6598) or unspecified. Only a literal address counts (a host name is never resolved), and anything else is
     * treated as public, so that it is located — and, where countries are restricted, refused when it cannot be.
     */
    static boolean isPublic(String ip) {
        Optional<InetAddress> a = literal(ip);
        if (a.isEmpty()) {
            return true;
        }
        InetAddress addr = a.get();
        if (addr.isLoopbackAddress() || addr.isSiteLocalAddress() || addr.isLinkLocalAddress() || addr.isAnyLocalAddress()) {
            return false;
        }
        byte[] b = addr.getAddress();
        if (b.length == 4) {
            return !((b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64);
        }
        return (b[0] & 0xfe) != 0xfc;
    }

    /** The address of an IPv4 or IPv6 literal, never resolving a name; empty for anything else. */
    static Optional<InetAddress> literal(String ip) {
        if (ip == null || ip.isEmpty() || !LITERAL.matcher(ip).matches() || (ip.indexOf(':') < 0 && !IPV4.matcher(ip).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    Pattern LITERAL = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
}
