package dev.ward.server.http;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IP address literals: parsed strictly (never a DNS lookup, no octal or zone ids) and written in one canonical
 * form (IPv4 dotted quad, IPv6 as RFC 5952 recommends), so that one address is one rate-limit bucket and one
 * value in the login history, however a caller spells it.
 */
final class IpAddress {
    private static final Pattern V4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern V6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private IpAddress() {}

    /** The address a literal names, or empty when it is not an IPv4 or IPv6 literal. */
    static Optional<InetAddress> parse(String literal) {
        if (literal == null) {
            return Optional.empty();
        }
        if (V4.matcher(literal).matches()) {
            String[] parts = literal.split("\\.");
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int n = Integer.parseInt(parts[i]);
                if (n > 255) {
                    return Optional.empty();
                }
                bytes[i] = (byte) n;
            }
            return Optional.of(byAddress(bytes));
        }
        if (literal.indexOf(':') >= 0 && V6_CHARS.matcher(literal).matches()) {
            try {
                // Only hex digits, colons and dots reach here, so getByName parses a literal and never resolves a name.
                return Optional.of(InetAddress.getByName(literal));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The canonical text of an address (an IPv4-mapped IPv6 address is its IPv4 address). */
    static String canonical(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            if (isV4Mapped(b)) {
                return byAddress(new byte[] {b[12], b[13], b[14], b[15]}).getHostAddress();
            }
            return compress(b);
        }
        return address.getHostAddress();
    }

    /** The canonical text of a literal, or empty when it is not one. */
    static Optional<String> canonical(String literal) {
        if (isCanonicalV4(literal)) {
            // What every connection's address is on IPv4: already canonical, so nothing is parsed or built (each request
            // asks for its peer's address).
            return Optional.of(literal);
        }
        return parse(literal).map(IpAddress::canonical);
    }

    /** A dotted quad as {@link #canonical(InetAddress)} writes it: four numbers 0-255 without leading zeros. */
    static boolean isCanonicalV4(String s) {
        if (s == null) {
            return false;
        }
        int parts = 0;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            int value = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return false;
            }
            parts++;
            if (i == s.length()) {
                break;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return false;
            }
            i++;
            if (i == s.length()) {
                return false;
            }
        }
        return parts == 4;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** RFC 5952 §4: lowercase hex, no leading zeros, the longest run (first if tied) of two or more zero groups as "::". */
    private static String compress(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestLength < 2) {
            bestStart = -1;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    static InetAddress byAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes", e);
        }
    }

    static boolean isV4(InetAddress a) { return a instanceof Inet4Address; }
}
