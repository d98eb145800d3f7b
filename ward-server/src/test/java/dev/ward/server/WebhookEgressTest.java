package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.alert.AlertChannel;
import dev.ward.alert.WebhookPost;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.ward.net.Network;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant administrator chooses {@code alerts.webhook_url}: Ward must not become their way to the hospital's
 * internal services or the cloud's metadata endpoint (SSRF), however the URL, its DNS or its receiver behave.
 */
class WebhookEgressTest {
    static final List<Map.Entry<String, String>> HEADERS = List.of(Map.entry("Ward-Signature", "t=1,v1=00"));
    static final byte[] BODY = "{\"id\":\"alr_x\"}".getBytes(StandardCharsets.UTF_8);
    static final List<Network> LOOPBACK = List.of(new Network(InetAddress.getLoopbackAddress(), 32));
    static WebhookReceiver receiver;

    @BeforeAll
    static void start() { receiver = new WebhookReceiver("whsec-0123456789abcdef"); }

    @AfterAll
    static void stop() { receiver.close(); }

    static WebhookPost post(List<Network> allowed, WebhookPost.Resolver resolver) {
        return new WebhookPost(allowed, resolver, (SSLSocketFactory) SSLSocketFactory.getDefault(), Duration.ofMillis(800));
    }

    static InetAddress[] at(String... literals) {
        return java.util.Arrays.stream(literals).map(l -> {
            try {
                return InetAddress.getByName(l);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toArray(InetAddress[]::new);
    }

    @Test
    void loopbackIsRefusedUnlessTheOperatorListsIt() {
        int before = receiver.received.size();
        var refused = new WebhookPost(List.of()).post(receiver.url(), HEADERS, BODY);
        assertThat(refused).isEqualTo(AlertChannel.Result.failed(null, "address_not_allowed"));
        assertThat(receiver.received).hasSize(before);

        var allowed = new WebhookPost(LOOPBACK).post(receiver.url(), HEADERS, BODY);
        assertThat(allowed.statusCode()).as("reached, and refused for its made-up signature").isEqualTo(401);
        assertThat(receiver.received).hasSize(before + 1);
    }

    @Test
    void theOperatorsNetworksAreReadStrictlyAndDefaultToNone() {
        Config none = Config.fromEnvironment(Map.of(), "127.0.0.1", 0, Path.of("."));
        assertThat(none.webhookNetworks()).isEmpty();
        Config some = Config.fromEnvironment(Map.of("WARD_ALERTS_WEBHOOK_NETWORKS", "10.20.0.0/24, fd00:20::/64"), "127.0.0.1", 0,
                Path.of("."));
        assertThat(some.webhookNetworks()).containsExactly("10.20.0.0/24", "fd00:20::/64");
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(Config.ConfigException.class, () -> Config.fromEnvironment(
                Map.of("WARD_ALERTS_WEBHOOK_NETWORKS", "10.20.0.0/24,siem.internal"), "127.0.0.1", 0, Path.of(".")));
        assertThat(e.getMessage()).contains("WARD_ALERTS_WEBHOOK_NETWORKS", "siem.internal");
    }

    @Test
    void privateLinkLocalMetadataAndOtherSpecialAddressesAreNeverConnectedTo() {
        for (String address : List.of("169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0",
                "127.0.0.2", "192.0.0.192", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00:ec2::254",
                "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "ff02::1")) {
            var result = post(List.of(), host -> at(address)).post("http://siem.example.org/ward", HEADERS, BODY);
            assertThat(result.error()).as(address).isEqualTo("address_not_allowed");
        }
        // A name that answers with one internal address among public ones connects to none of the internal ones.
        var mixed = post(LOOPBACK, host -> at("169.254.169.254", "10.0.0.1", "127.0.0.1"))
                .post("http://siem.example.org:" + receiver.url().split(":")[2], HEADERS, BODY);
        assertThat(mixed.statusCode()).isEqualTo(401);
    }

    @Test
    void theAddressCheckedIsTheAddressConnectedTo() {
        // DNS rebinding: the first answer passes the check, every later one points at the metadata service.
        AtomicInteger lookups = new AtomicInteger();
        WebhookPost rebinding = post(LOOPBACK, host -> lookups.getAndIncrement() == 0 ? at("127.0.0.1") : at("169.254.169.254"));
        int before = receiver.received.size();
        String port = receiver.url().split(":")[2];
        var result = rebinding.post("http://rebind.example.org:" + port, HEADERS, BODY);
        assertThat(lookups.get()).as("resolved once").isEqualTo(1);
        assertThat(result.statusCode()).isEqualTo(401);
        assertThat(receiver.received).hasSize(before + 1);
    }

    @Test
    void urlsThatAreNotPlainHttpToAHostAreRefusedBeforeAnyConnection() {
        WebhookPost anything = post(LOOPBACK, host -> {
            throw new AssertionError("no lookup for " + host);
        });
        for (String url : List.of("file:///etc/passwd", "ftp://siem.example.org/x", "gopher://127.0.0.1:6379/_INFO",
                "http://user:pass@127.0.0.1/hook", "http://127.0.0.1:99999/hook", "http:///nohost", "jar:http://x!/y",
                "http://127.0.0.1/a b", "http://127.0.0.1/a\r\nX-Injected: 1")) {
            assertThat(anything.post(url, HEADERS, BODY).error()).as(url).isEqualTo("bad_url");
        }
        assertThat(anything.post("http://siem.example.org/x", List.of(Map.entry("Ward-Signature", "t=1\r\nX-Injected: 1")), BODY)
                .error()).isEqualTo("bad_url");
    }

    @Test
    void aRedirectIsAFailedAttemptNotAHop() throws Exception {
        try (RawReceiver raw = new RawReceiver(out -> write(out,
                "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest/meta-data/\r\nContent-Length: 0\r\n\r\n"))) {
            var result = post(LOOPBACK, InetAddress::getAllByName).post(raw.url(), HEADERS, BODY);
            assertThat(result).isEqualTo(AlertChannel.Result.failed(302, "http_status"));
            assertThat(raw.connections.get()).isEqualTo(1);
        }
    }

    @Test
    void anEndlessBodyIsNeverReadAndASilentReceiverRunsOutOfTime() throws Exception {
        try (RawReceiver endless = new RawReceiver(out -> {
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = "1000\r\n".concat("x".repeat(4096)).concat("\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                while (true) {
                    out.write(chunk);
                }
            } catch (IOException closedByWard) {
                // Ward hung up: what it should do
            }
        })) {
            assertThat(post(LOOPBACK, InetAddress::getAllByName).post(endless.url(), HEADERS, BODY))
                    .isEqualTo(AlertChannel.Result.ok(200));
        }
        try (RawReceiver trickle = new RawReceiver(out -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    out.write('H');
                    out.flush();
                    Thread.sleep(100); // a receiver that trickles one byte every 100 ms: what the deadline must cut off
                }
            } catch (IOException | InterruptedException e) {
                // Ward gave up
            }
        })) {
            assertThat(post(LOOPBACK, InetAddress::getAllByName).post(trickle.url(), HEADERS, BODY).error())
                    .as("a status line that never ends is cut off at the deadline").isEqualTo("timeout");
        }
        try (RawReceiver huge = new RawReceiver(out -> write(out, "HTTP/1.1 200 OK" + "!".repeat(100_000)))) {
            assertThat(post(LOOPBACK, InetAddress::getAllByName).post(huge.url(), HEADERS, BODY).error())
                    .isEqualTo("bad_response");
        }
    }

    @Test
    void theRequestIsOneSignedPostWithoutRedirectableExtras() throws Exception {
        StringBuilder seen = new StringBuilder();
        try (RawReceiver raw = new RawReceiver(out -> write(out, "HTTP/1.1 204 No Content\r\n\r\n"), seen)) {
            assertThat(post(LOOPBACK, InetAddress::getAllByName).post(raw.url() + "/hook?x=1#frag", HEADERS, BODY))
                    .isEqualTo(AlertChannel.Result.ok(204));
        }
        String request = seen.toString();
        assertThat(request).startsWith("POST /hook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:")
                .contains("\r\nContent-Type: application/json\r\n", "\r\nContent-Length: " + BODY.length + "\r\n",
                        "\r\nWard-Signature: t=1,v1=00\r\n")
                .endsWith("\r\n\r\n" + new String(BODY, StandardCharsets.UTF_8))
                .doesNotContain("frag");
    }

    @Test
    void overTlsTheCertificateMustNameTheUrlsHost(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("hook.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "hook", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=siem.clinic.test",
                "-ext", "SAN=dns:siem.clinic.test", "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit").redirectErrorStream(true).start();
        keytool.getInputStream().readAllBytes();
        assertThat(keytool.waitFor()).isZero();
        char[] password = "changeit".toCharArray();
        KeyStore store = KeyStore.getInstance(keystore.toFile(), password);
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keys.getKeyManagers(), null, null);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trust.getTrustManagers(), null);

        HttpsServer https = HttpsServer.create(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        https.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        https.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        https.start();
        try {
            int port = https.getAddress().getPort();
            WebhookPost tls = new WebhookPost(LOOPBACK, host -> at("127.0.0.1"), clientTls.getSocketFactory(), Duration.ofSeconds(5));
            assertThat(tls.post("https://siem.clinic.test:" + port + "/hook", HEADERS, BODY)).isEqualTo(AlertChannel.Result.ok(204));
            assertThat(tls.post("https://evil.clinic.test:" + port + "/hook", HEADERS, BODY).error())
                    .as("a trusted certificate for another name is refused").isEqualTo("tls_failed");
            assertThat(new WebhookPost(LOOPBACK, host -> at("127.0.0.1"), (SSLSocketFactory) SSLSocketFactory.getDefault(),
                    Duration.ofSeconds(5)).post("https://siem.clinic.test:" + port + "/hook", HEADERS, BODY).error())
                    .as("a certificate the JVM does not trust is refused").isEqualTo("tls_failed");
        } finally {
            https.stop(0);
        }
    }

    static void write(OutputStream out, String s) {
        try {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            // the client hung up
        }
    }

    /** A loopback TCP server that reads one request and answers with whatever the test writes. */
    static final class RawReceiver implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger connections = new AtomicInteger();
        final Thread thread;

        RawReceiver(Consumer<OutputStream> answer) throws IOException { this(answer, new StringBuilder()); }

        RawReceiver(Consumer<OutputStream> answer, StringBuilder seen) throws IOException {
            server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
            thread = Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                        String request = readRequest(s.getInputStream());
                        synchronized (seen) {
                            seen.append(request);
                        }
                        answer.accept(s.getOutputStream());
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        /** The head, and as many bytes of body as its Content-Length says. */
        private static String readRequest(InputStream in) throws IOException {
            StringBuilder r = new StringBuilder();
            int end = -1;
            while (end < 0 || r.length() < end + contentLength(r.substring(0, end))) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                r.append((char) b);
                if (end < 0 && r.toString().endsWith("\r\n\r\n")) {
                    end = r.length();
                }
            }
            return r.toString();
        }

        private static int contentLength(String head) {
            var m = java.util.regex.Pattern.compile("\r\nContent-Length: ([0-9]+)\r\n").matcher(head);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }

        String url() { return "http://127.0.0.1:" + server.getLocalPort(); }

        @Override
        public void close() throws IOException { server.close(); }
    }
}
