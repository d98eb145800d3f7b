package dev.ward.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real webhook receiver on loopback (the JDK's HTTP server) that checks {@code Ward-Signature} as a receiver would,
 * with its own HMAC code: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}. It answers with {@link #status}
 * (set 503 to play an outage); a request it accepted is one answered 2xx with a valid signature.
 */
final class WebhookReceiver implements AutoCloseable {
    record Received(String body, long timestamp, boolean signatureValid, int answered) {
        JsonNode json() {
            try {
                return new ObjectMapper().readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final HttpServer server;
    private final String secret;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(204);

    WebhookReceiver(String secret) {
        this.secret = secret;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String header = exchange.getRequestHeaders().getFirst("Ward-Signature");
            long t = -1;
            boolean valid = false;
            if (header != null && header.matches("t=[0-9]+,v1=[0-9a-f]{64}")) {
                t = Long.parseLong(header.substring(2, header.indexOf(',')));
                String v1 = header.substring(header.indexOf("v1=") + 3);
                valid = MessageDigest.isEqual(hmac(t + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII),
                        v1.getBytes(StandardCharsets.US_ASCII))
                        && "application/json".equals(exchange.getRequestHeaders().getFirst("Content-Type"))
                        && exchange.getRequestMethod().equals("POST");
            }
            int answer = valid ? status.get() : 401;
            received.add(new Received(new String(body, StandardCharsets.UTF_8), t, valid, answer));
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        server.start();
    }

    String url() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook"; }

    /** Requests answered 2xx with a valid signature. */
    List<Received> accepted() {
        return received.stream().filter(r -> r.signatureValid() && r.answered() / 100 == 2).toList();
    }

    private String hmac(String signed) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() { server.stop(0); }
}
