package dev.ward.client;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * A server at Ward's address that is not Ward: each base path answers every call one way that a broken deployment,
 * a wrong port or an attacker in the path could — not JSON, a 500, a 502 page, a "valid" answer with no session, a
 * 200 with an empty body, an endless body, or nothing at all.
 */
public final class NotWard implements AutoCloseable {
    static final List<String> GARBAGE = List.of("/html", "/500", "/502", "/valid-without-session", "/empty", "/huge",
            "/valid-false", "/wrong-token");

    private final HttpServer server;
    private final CountDownLatch closing = new CountDownLatch(1);

    private NotWard(HttpServer server) { this.server = server; }

    public static NotWard start() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        NotWard n = new NotWard(s);
        s.setExecutor(Executors.newCachedThreadPool());
        s.createContext("/", ex -> {
            String p = ex.getRequestURI().getPath();
            ex.getRequestBody().readAllBytes();
            if (p.startsWith("/silent")) {
                try {
                    n.closing.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.close();
                return;
            }
            if (p.startsWith("/huge")) {
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    byte[] chunk = ("{\"valid\":true,\"x\":\"" + "a".repeat(8192)).getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < 200; i++) {
                        out.write(chunk);
                    }
                } catch (IOException clientGaveUp) {
                    // the client stops reading at its bound: that is the point
                }
                return;
            }
            int status = 200;
            String body;
            if (p.startsWith("/html")) {
                body = "<html><body>It works!</body></html>";
            } else if (p.startsWith("/500")) {
                status = 500;
                body = "{\"valid\":true}";
            } else if (p.startsWith("/502")) {
                status = 502;
                body = "<html>Bad gateway</html>";
            } else if (p.startsWith("/valid-without-session")) {
                body = "{\"valid\":true,\"status\":\"authenticated\"}";
            } else if (p.startsWith("/valid-false")) {
                body = "{\"valid\":false,\"session\":{\"id\":\"ses_1\",\"tenant\":\"t\",\"user\":{\"id\":\"u\",\"username\":\"x\"},\"aal\":1}}";
            } else if (p.startsWith("/wrong-token")) {
                body = "{\"valid\":true,\"status\":\"authenticated\",\"token\":\"evil\r\nheader\",\"rotated_token\":\"evil\r\nheader\","
                        + "\"session\":{\"id\":\"ses_1\",\"tenant\":\"t\",\"user\":{\"id\":\"u\",\"username\":\"x\"},\"aal\":1}}";
            } else if (p.startsWith("/knows-no-permissions")) {
                // A well-formed answer of a Ward that predates role × module permissions: it ignores "require".
                body = "{\"valid\":true,\"session\":{\"id\":\"ses_1\",\"tenant\":\"t\",\"user\":{\"id\":\"u\","
                        + "\"username\":\"x\",\"roles\":[\"provider\"]},\"aal\":1}}";
            } else if (p.startsWith("/store-down")) {
                status = 503;
                body = "{\"status\":503,\"code\":\"store_unavailable\"}";
            } else {
                body = "";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        s.start();
        return n;
    }

    public String base() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
