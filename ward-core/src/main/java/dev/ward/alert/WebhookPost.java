package dev.ward.alert;

import dev.ward.net.Network;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One webhook {@code POST} over HTTP/1.1, written by hand because the URL is a tenant administrator's to choose and
 * Ward must not become their way into the hospital's network (SSRF; docs/decisions/0029-webhook-egress.md):
 * <ul>
 *   <li>the host is resolved once, every address is checked, and the socket connects to the very address checked — a
 *       second lookup by an HTTP library could answer differently (DNS rebinding);</li>
 *   <li>loopback, private, link-local (cloud metadata at 169.254.169.254), multicast and other special-purpose
 *       addresses are refused unless the operator lists their network in {@code WARD_ALERTS_WEBHOOK_NETWORKS};</li>
 *   <li>redirects are not followed, and of the answer only its status line is read, under one deadline for the whole
 *       exchange: a receiver that trickles bytes or never ends its body cannot hold the outbox.</li>
 * </ul>
 * TLS checks the certificate against the URL's host name, as a browser would.
 */
public final class WebhookPost {
    /** Resolves a host name; tests stand in a resolver that changes its answer. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The whole exchange, connection included: far below {@link AlertDelivery#LEASE}. */
    public static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final int MAX_STATUS_LINE = 1024;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] ([1-5][0-9]{2})( .*)?");
    /** Printable ASCII without space: what a request target or host may hold, so no header can be smuggled in. */
    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9.]+");
    private static final Pattern REQUEST_SAFE = Pattern.compile("[!-~]+");
    /**
     * IANA special-purpose ranges that are not the public Internet (RFC 6890 and its updates). IPv4-mapped IPv6
     * addresses need no entry: Java hands them over as the IPv4 address they map.
     */
    private static final List<Network> NOT_PUBLIC = Stream.of(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/3", "::/127", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
            "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8").map(WebhookPost::network).toList();

    private final List<Network> allowedPrivate;
    private final Resolver resolver;
    /** The TLS socket factory, looked up at the first https delivery: the JDK's default one reads the trust store. */
    private final java.util.function.Supplier<SSLSocketFactory> tls;
    private final Duration deadline;

    /**
     * @param allowedPrivate the operator's networks a webhook may reach although they are not public
     * @param deadline       how long one exchange may take in all
     */
    public WebhookPost(List<Network> allowedPrivate, Resolver resolver, SSLSocketFactory tls, Duration deadline) {
        this(allowedPrivate, resolver, () -> tls, deadline);
    }

    /**
     * With the JDK's default TLS settings, loaded when the first https webhook is sent rather than at start-up (its
     * trust store is read then: some 100 ms of a cold start; issue 13 goal 4).
     */
    public WebhookPost(List<Network> allowedPrivate) {
        this(allowedPrivate, InetAddress::getAllByName, () -> (SSLSocketFactory) SSLSocketFactory.getDefault(), DEADLINE);
    }

    private WebhookPost(List<Network> allowedPrivate, Resolver resolver, java.util.function.Supplier<SSLSocketFactory> tls,
                        Duration deadline) {
        this.allowedPrivate = List.copyOf(allowedPrivate);
        this.resolver = resolver;
        this.tls = tls;
        this.deadline = deadline;
    }

    /** Posts {@code body} as JSON with these extra headers; the result names no host or address. */
    public AlertChannel.Result post(String url, List<Map.Entry<String, String>> headers, byte[] body) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return AlertChannel.Result.failed(null, "bad_url");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        boolean https = scheme.equals("https");
        String host = uri.getHost();
        if (!(https || scheme.equals("http")) || host == null || uri.getRawUserInfo() != null || uri.getPort() > 65535
                || !REQUEST_SAFE.matcher(host).matches()) {
            return AlertChannel.Result.failed(null, "bad_url");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        if (!REQUEST_SAFE.matcher(target).matches()
                || headers.stream().anyMatch(h -> !REQUEST_SAFE.matcher(h.getKey()).matches() || h.getValue().chars().anyMatch(c -> c < 0x20 || c > 0x7e))) {
            return AlertChannel.Result.failed(null, "bad_url");
        }
        InetAddress address;
        try {
            address = Stream.of(resolver.resolve(host)).filter(this::reachable).findFirst().orElse(null);
        } catch (UnknownHostException e) {
            return AlertChannel.Result.failed(null, "dns_failed");
        }
        if (address == null) {
            return AlertChannel.Result.failed(null, "address_not_allowed");
        }
        String head = "POST " + target + " HTTP/1.1\r\nHost: " + host + (uri.getPort() > 0 ? ":" + port : "") + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n"
                + headers.stream().map(h -> h.getKey() + ": " + h.getValue() + "\r\n").reduce("", String::concat) + "\r\n";
        byte[] request = Arrays.copyOf(head.getBytes(StandardCharsets.US_ASCII), head.length() + body.length);
        System.arraycopy(body, 0, request, head.length(), body.length);
        return exchange(new InetSocketAddress(address, port), https ? host : null, request);
    }

    /** Sends the request to that address (over TLS to {@code tlsHost} when given) and reads the answer's status. */
    private AlertChannel.Result exchange(InetSocketAddress to, String tlsHost, byte[] request) {
        long end = System.nanoTime() + deadline.toNanos();
        try (Socket socket = new Socket()) {
            try {
                socket.connect(to, (int) Math.min(CONNECT_TIMEOUT.toMillis(), deadline.toMillis()));
            } catch (SocketTimeoutException e) {
                return AlertChannel.Result.failed(null, "connect_timeout");
            }
            Socket conn = tlsHost == null ? socket : startTls(socket, tlsHost, to.getPort(), end);
            OutputStream out = conn.getOutputStream();
            out.write(request);
            out.flush();
            return status(conn, end);
        } catch (SocketTimeoutException e) {
            return AlertChannel.Result.failed(null, "timeout");
        } catch (ConnectException e) {
            return AlertChannel.Result.failed(null, "connect_failed");
        } catch (SSLException e) {
            return AlertChannel.Result.failed(null, "tls_failed");
        } catch (IOException e) {
            return AlertChannel.Result.failed(null, "io_error");
        }
    }

    /**
     * Whether the URL's host resolves to an address a webhook may reach, for {@code ward check} to say so before an
     * alert fails {@code address_not_allowed}; false too when it does not resolve at all.
     */
    public boolean reaches(String url) {
        try {
            String host = new URI(url).getHost();
            return host != null && Stream.of(resolver.resolve(host)).anyMatch(this::reachable);
        } catch (URISyntaxException | UnknownHostException e) {
            return false;
        }
    }

    /** Whether a webhook may connect to this address: a public one, or one in a network the operator allowed. */
    boolean reachable(InetAddress a) {
        return allowedPrivate.stream().anyMatch(n -> n.contains(a)) || NOT_PUBLIC.stream().noneMatch(n -> n.contains(a));
    }

    private SSLSocket startTls(Socket socket, String host, int port, long deadline) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.get().createSocket(socket, host, port, true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!IPV4_LITERAL.matcher(host).matches()) {
            try {
                params.setServerNames(List.of(new SNIHostName(host)));
            } catch (IllegalArgumentException e) {
                throw new SSLException("not a host name TLS can name");
            }
        }
        ssl.setSSLParameters(params);
        ssl.setSoTimeout(remaining(deadline));
        ssl.startHandshake();
        return ssl;
    }

    /** The status code of the answer's first line, read byte by byte under the deadline; the rest is never read. */
    private static AlertChannel.Result status(Socket conn, long deadline) throws IOException {
        InputStream in = new BufferedInputStream(conn.getInputStream(), 256);
        StringBuilder line = new StringBuilder();
        boolean ended = false;
        while (!ended && line.length() < MAX_STATUS_LINE) {
            conn.setSoTimeout(remaining(deadline));
            int b = in.read();
            if (b < 0) {
                break;
            }
            ended = b == '\n';
            line.append((char) b);
        }
        Matcher m = STATUS_LINE.matcher(line.toString().strip());
        if (!ended || !m.matches()) {
            return AlertChannel.Result.failed(null, "bad_response");
        }
        int status = Integer.parseInt(m.group(1));
        return status / 100 == 2 ? AlertChannel.Result.ok(status) : AlertChannel.Result.failed(status, "http_status");
    }

    private static int remaining(long deadline) throws SocketTimeoutException {
        long millis = (deadline - System.nanoTime()) / 1_000_000;
        if (millis <= 0) {
            throw new SocketTimeoutException("deadline");
        }
        return (int) Math.min(Integer.MAX_VALUE, millis);
    }

    private static Network network(String cidr) {
        int slash = cidr.indexOf('/');
        try {
            // Literals only (constants above): getByName parses them and never asks DNS.
            return new Network(InetAddress.getByName(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(cidr, e);
        }
    }
}
