package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a real {@code ward serve} process: requests in flight finish, new connections are refused, readiness
 * answers 503 meanwhile, and the process ends once they are done, or at the grace.
 */
class GracefulShutdownTest {
    private static final String LOGIN = "{\"tenant\":\"system\",\"username\":\"admin\",\"password\":\"" + TestWard.ADMIN_PASSWORD + "\"}";

    /**
     * A server with this notice and grace; {@code argon2Iterations} above the minimum keep each login busy on the
     * server for longer, as a burst of real logins does.
     */
    private static WardProcess.Server serve(String noticeSeconds, String graceSeconds, String argon2Iterations) throws Exception {
        return WardProcess.serve(Map.of("WARD_BOOTSTRAP_ADMIN_PASSWORD", TestWard.ADMIN_PASSWORD,
                        "WARD_SHUTDOWN_NOTICE_SECONDS", noticeSeconds, "WARD_SHUTDOWN_GRACE_SECONDS", graceSeconds,
                        "WARD_ARGON2_ITERATIONS", argon2Iterations), List.of(), 60,
                "--data-dir", Files.createTempDirectory("ward-sigterm").toString());
    }

    /** A login sent whole; its answer is read later. */
    private static Socket login(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(30_000);
        byte[] body = LOGIN.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    /** A login whose body never ends: the server waits for it until the grace runs out. */
    private static Socket stalledLogin(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(("POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    private static String get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return statusLine(s);
    }

    /** The status line of the next response, its headers and body read past (by Content-Length). */
    private static String statusLine(Socket s) throws IOException {
        var in = s.getInputStream();
        String status = readLine(in);
        int length = 0;
        for (String h; !(h = readLine(in)).isEmpty(); ) {
            if (h.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return status;
    }

    private static String readLine(java.io.InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed after: " + b);
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static void awaitRefused(int port) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                Thread.sleep(20);
            } catch (IOException refused) {
                return;
            }
        }
        throw new AssertionError("port " + port + " still accepts connections");
    }

    @Test
    void sigtermFinishesRequestsInFlightRefusesNewOnesAndStops() throws Exception {
        WardProcess.Server server = serve("0", "20", "40");
        List<Socket> logins = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            logins.add(login(server.port()));
        }
        // The server must have taken the requests up; a separate process gives no signal for that.
        Thread.sleep(500);

        server.sigterm();

        awaitRefused(server.port());
        assertThatThrownBy(() -> new Socket("127.0.0.1", server.port()).close()).isInstanceOf(ConnectException.class);
        for (Socket login : logins) {
            try (login) {
                assertThat(statusLine(login)).as(server.output().toString()).isEqualTo("HTTP/1.1 200 OK");
            }
        }
        assertThat(server.awaitExit()).as("stopped as asked").isZero();
        String output = server.output().toString();
        assertThat(output).contains("Ward stopping: refusing new connections, finishing requests in flight (at most 20 s)")
                .contains("Ward stopped").doesNotContain("Exception");
        assertThat(output.lines().filter(l -> l.contains("POST /v1/auth/login 200"))).hasSize(3);
        assertThat(output.indexOf("Ward stopped")).as("stores close after the last request").isGreaterThan(output.lastIndexOf("POST /v1/auth/login"));
    }

    @Test
    void withANoticeReadinessSays503WhileEverythingElseIsStillServed() throws Exception {
        WardProcess.Server server = serve("2", "20", "2");
        try (Socket probe = new Socket("127.0.0.1", server.port())) {
            probe.setSoTimeout(30_000);
            assertThat(get(probe, "/health/ready")).isEqualTo("HTTP/1.1 200 OK");

            server.sigterm();

            Instant deadline = Instant.now().plusSeconds(10);
            String ready;
            do {
                ready = get(probe, "/health/ready");
            } while (ready.equals("HTTP/1.1 200 OK") && Instant.now().isBefore(deadline));
            assertThat(ready).isEqualTo("HTTP/1.1 503 Service Unavailable");
            try (Socket login = login(server.port())) {
                assertThat(statusLine(login)).as("a new connection during the notice").isEqualTo("HTTP/1.1 200 OK");
            }
        }
        awaitRefused(server.port());
        server.awaitExit();
        assertThat(server.output().toString()).contains("Ward stopping: readiness says 503; serving 2 s more")
                .contains("Ward stopped");
    }

    @Test
    void aRequestThatNeverFinishesIsCutAtTheGrace() throws Exception {
        WardProcess.Server server = serve("0", "1", "2");
        try (Socket stuck = stalledLogin(server.port())) {
            Thread.sleep(500);
            Instant term = Instant.now();
            server.sigterm();
            server.awaitExit();
            assertThat(Duration.between(term, Instant.now())).isLessThan(Duration.ofSeconds(15));
            assertThat(server.output().toString()).contains("Ward stopped");
        }
    }
}
