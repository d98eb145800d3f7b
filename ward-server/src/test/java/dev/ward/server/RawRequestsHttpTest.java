package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 7: requests written by hand, as scanners and confused clients send them. Each is answered with problem
 * JSON and the security headers (an HTTP/2 preface and {@code OPTIONS *} got an empty body), and a request body where
 * none is expected is read and ignored rather than left on the connection (closing a socket with unread bytes resets
 * it, and the client lost the end of {@code /openapi.json}).
 */
class RawRequestsHttpTest {
    static TestWard w;

    @BeforeAll static void start() { w = new TestWard(); }

    @AfterAll static void stop() { w.close(); }

    /** Sends {@code request} on a connection of its own and reads until the server closes it. */
    private static String exchange(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", w.ward.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertProblem(String raw, String status) {
        assertThat(raw).as(raw).startsWith("HTTP/1.1 " + status);
        assertThat(raw).contains("Content-Type: application/problem+json", "X-Frame-Options: DENY",
                "X-Content-Type-Options: nosniff", "\"code\":\"").doesNotContain("<html");
    }

    @Test
    void anHttp2PrefaceOnTheHttp1PortIsAProblem() throws IOException {
        assertProblem(exchange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), "4");
    }

    @Test
    void optionsForTheWholeServerIsAProblem() throws IOException {
        String raw = exchange("OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertProblem(raw, "4");
    }

    @Test
    void aBodyOnAGetIsReadAndIgnoredOnEveryConnection() throws IOException {
        byte[] expected = w.get("/openapi.json", null).raw().getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[48 * 1024];
        Arrays.fill(body, (byte) 'x');
        for (int i = 0; i < 33; i++) {
            try (Socket socket = new Socket("127.0.0.1", w.ward.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("GET /openapi.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (i % 3 == 0) {
                    // The body comes after a pause, as from a slow client: the server must wait for it, not answer and
                    // close the connection on the bytes still coming (a reset on this side).
                    sleepQuietly(150);
                }
                out.write(body);
                out.flush();
                // The same connection serves a second request after it: the first body did not stay in the way.
                out.write("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String raw = readAll(socket.getInputStream());
                assertThat(raw).as("connection %d", i).startsWith("HTTP/1.1 200");
                assertThat(raw.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(expected.length);
                assertThat(raw).contains("\"openapi\"").contains("{\"status\":\"up\"}");
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            // Pacing a client by hand: there is no clock to move, the point is that bytes arrive late.
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all); // a reset connection throws here
        return all.toString(StandardCharsets.UTF_8);
    }
}
