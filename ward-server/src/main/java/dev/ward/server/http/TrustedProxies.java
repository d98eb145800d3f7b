package dev.ward.server.http;

import dev.ward.net.Network;
import dev.ward.session.Client;
import io.javalin.http.Context;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code WARD_TRUSTED_PROXIES}: the load balancers and reverse proxies whose {@code X-Forwarded-For} and
 * {@code X-Forwarded-Proto} Ward believes. From any other peer those headers are ignored, since anyone can
 * send them. The client is the right-most address in {@code X-Forwarded-For} that is not itself a trusted
 * proxy: everything left of it was written by parties Ward has no reason to believe.
 */
public final class TrustedProxies {
    private final List<Network> networks;

    private TrustedProxies(List<Network> networks) { this.networks = List.copyOf(networks); }

    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    /**
     * Parses CIDRs ({@code 10.0.0.0/8}, {@code fd00::/8}) and single addresses.
     *
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static TrustedProxies parse(List<String> entries) { return new TrustedProxies(networks(entries)); }

    /**
     * The networks a list of CIDRs and single addresses names (also {@code WARD_ALERTS_WEBHOOK_NETWORKS}).
     *
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static List<Network> networks(List<String> entries) {
        List<Network> out = new ArrayList<>();
        for (String entry : entries) {
            String e = entry.strip();
            int slash = e.indexOf('/');
            Optional<InetAddress> address = IpAddress.parse(slash < 0 ? e : e.substring(0, slash));
            if (address.isEmpty()) {
                throw new IllegalArgumentException("'" + e + "' is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.0.2.10, fd00::/8)");
            }
            byte[] bytes = address.get().getAddress();
            int max = bytes.length * 8;
            int bits = max;
            if (slash >= 0) {
                String n = e.substring(slash + 1);
                if (!n.matches("[0-9]{1,3}") || Integer.parseInt(n) > max) {
                    throw new IllegalArgumentException("'" + e + "' has a prefix length outside 0-" + max);
                }
                bits = Integer.parseInt(n);
            }
            out.add(new Network(bytes, bits));
        }
        return out;
    }

    boolean isEmpty() { return networks.isEmpty(); }

    boolean trusts(InetAddress a) {
        for (Network c : networks) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** The address of the peer that connected: canonical, for logs and limits. */
    static String peer(Context ctx) {
        String raw = ctx.req().getRemoteAddr();
        return IpAddress.canonical(raw).orElse(raw == null ? "" : raw);
    }

    /** The end user's address: the connection's, or, from a trusted proxy, what its X-Forwarded-For says. */
    String clientIp(Context ctx) {
        String peer = peer(ctx);
        if (networks.isEmpty()) {
            return peer;
        }
        Optional<InetAddress> peerAddress = IpAddress.parse(peer);
        if (peerAddress.isEmpty() || !trusts(peerAddress.get())) {
            return peer;
        }
        List<String> hops = forwardedFor(ctx);
        String nearest = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = IpAddress.parse(hops.get(i));
            if (hop.isEmpty()) {
                // Garbage where an address should be: nothing from here leftwards can be believed, and the proxy
                // that passed it on is the nearest party known.
                return nearest;
            }
            nearest = IpAddress.canonical(hop.get());
            if (!trusts(hop.get())) {
                return nearest;
            }
        }
        return nearest;
    }

    /** Whether the connection comes from a configured proxy, whose forwarded headers Ward believes. */
    boolean fromTrustedProxy(Context ctx) {
        if (networks.isEmpty()) {
            return false;
        }
        Optional<InetAddress> peer = IpAddress.parse(peer(ctx));
        return peer.isPresent() && trusts(peer.get());
    }

    /** Whether the end user's connection was TLS: the connection's own, or a trusted proxy's X-Forwarded-Proto. */
    boolean secure(Context ctx) {
        if (ctx.req().isSecure()) {
            return true;
        }
        if (networks.isEmpty()) {
            return false;
        }
        Optional<InetAddress> peer = IpAddress.parse(peer(ctx));
        if (peer.isEmpty() || !trusts(peer.get())) {
            return false;
        }
        // The value the proxy next to Ward set: the right-most one.
        String proto = null;
        Enumeration<String> values = ctx.req().getHeaders("X-Forwarded-Proto");
        while (values != null && values.hasMoreElements()) {
            for (String v : values.nextElement().split(",")) {
                if (!v.isBlank()) {
                    proto = v.strip();
                }
            }
        }
        return proto != null && proto.toLowerCase(Locale.ROOT).equals("https");
    }

    /** The end user as the connection (and a trusted proxy) show them. */
    Client client(Context ctx) {
        return new Client(clientIp(ctx), Optional.ofNullable(ctx.header("User-Agent")).orElse(""));
    }

    private static List<String> forwardedFor(Context ctx) {
        List<String> hops = new ArrayList<>();
        Enumeration<String> values = ctx.req().getHeaders("X-Forwarded-For");
        while (values != null && values.hasMoreElements()) {
            for (String v : values.nextElement().split(",")) {
                if (!v.isBlank()) {
                    hops.add(v.strip());
                }
            }
        }
        return hops;
    }
}
