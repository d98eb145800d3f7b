package dev.ward.net;

import java.net.InetAddress;
import java.util.Arrays;

/** An address range: the leading {@code bits} of {@code prefix} (4 bytes for IPv4, 16 for IPv6). */
public record Network(byte[] prefix, int bits) {
    public Network {
        if (prefix.length != 4 && prefix.length != 16 || bits < 0 || bits > prefix.length * 8) {
            throw new IllegalArgumentException("not a network: " + prefix.length + " bytes, /" + bits);
        }
        prefix = prefix.clone();
    }

    public Network(InetAddress address, int bits) { this(address.getAddress(), bits); }

    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != prefix.length) {
            return false;
        }
        int full = bits / 8;
        if (!Arrays.equals(b, 0, full, prefix, 0, full)) {
            return false;
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b[full] & mask) == (prefix[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Network n && n.bits == bits && Arrays.equals(n.prefix, prefix);
    }

    @Override
    public int hashCode() { return 31 * Arrays.hashCode(prefix) + bits; }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(prefix).getHostAddress() + "/" + bits;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
