package dev.ward.server;

import dev.ward.atna.SyslogTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real rsyslog (Debian's {@code rsyslog} + {@code rsyslog-gnutls}) as the ATNA receiver of a test: a child
 * process with its own configuration, work directory and pid file in a temporary directory (never the machine's
 * syslog, never {@code /dev/log}), listening with TLS on a free loopback port and requiring a client certificate
 * from the test CA ({@code x509/certvalid}), writing each message it takes as one line ({@code %rawmsg%}) to a
 * file the test reads. The CA, the server certificate (for 127.0.0.1) and Ward's client certificate are made by
 * {@code openssl} for each run.
 */
final class Rsyslog implements AutoCloseable {
    static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");

    final Path dir;
    final int port;
    final Path received;
    private Process process;

    private Rsyslog(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        this.received = dir.resolve("received.log");
    }

    /** Empty when rsyslog with TLS and openssl are installed here; otherwise what is missing. */
    static Optional<String> unavailable() {
        if (!Files.isExecutable(RSYSLOGD)) {
            return Optional.of("rsyslogd is not installed (apt-get install rsyslog rsyslog-gnutls)");
        }
        boolean gtls;
        try (var libs = Files.list(Path.of("/usr/lib"))) {
            gtls = libs.anyMatch(d -> Files.exists(d.resolve("rsyslog/lmnsd_gtls.so")));
        } catch (IOException e) {
            gtls = false;
        }
        if (!gtls) {
            return Optional.of("rsyslog's TLS driver is not installed (apt-get install rsyslog-gnutls)");
        }
        try {
            return run(Path.of("/tmp"), "openssl", "version") ? Optional.empty() : Optional.of("openssl does not run");
        } catch (RuntimeException e) {
            return Optional.of("openssl is not installed");
        }
    }

    /** Makes the certificates and starts rsyslog. */
    static Rsyslog start() {
        try {
            Path dir = Files.createTempDirectory("ward-rsyslog");
            Files.createDirectories(dir.resolve("work"));
            certificates(dir);
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.writeString(dir.resolve("rsyslog.conf"), """
                    global(workDirectory="%1$s/work" maxMessageSize="64k"
                           defaultNetstreamDriver="gtls"
                           defaultNetstreamDriverCAFile="%1$s/ca.pem"
                           defaultNetstreamDriverCertFile="%1$s/server.pem"
                           defaultNetstreamDriverKeyFile="%1$s/server.key")
                    module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
                    input(type="imtcp" address="127.0.0.1" port="%2$d")
                    template(name="raw" type="string" string="%%rawmsg%%\\n")
                    action(type="omfile" file="%1$s/received.log" template="raw")
                    """.formatted(dir, port));
            Rsyslog r = new Rsyslog(dir, port);
            r.resume();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void certificates(Path dir) {
        String ec = "ec";
        run(dir, "openssl", "req", "-x509", "-newkey", ec, "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Ward test CA");
        for (String[] who : List.of(new String[] {"server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"},
                new String[] {"client", "/CN=ward-test-node", "extendedKeyUsage=clientAuth\n"})) {
            try {
                Files.writeString(dir.resolve(who[0] + ".ext"), who[2]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            run(dir, "openssl", "req", "-newkey", ec, "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", who[0] + ".key", "-out", who[0] + ".csr", "-subj", who[1]);
            run(dir, "openssl", "x509", "-req", "-in", who[0] + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", who[0] + ".pem", "-days", "2", "-extfile", who[0] + ".ext");
        }
    }

    private static boolean run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command[0] + " did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with " + p.exitValue());
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The target Ward sends to: trusting the test CA, with Ward's client certificate unless {@code withoutClientCert}. */
    SyslogTarget target(boolean withClientCert) {
        Path ca = dir.resolve("ca.pem");
        return withClientCert
                ? SyslogTarget.parse("tls://127.0.0.1:" + port, ca.toString(), dir.resolve("client.pem").toString(),
                        dir.resolve("client.key").toString())
                : SyslogTarget.parse("tls://127.0.0.1:" + port, ca.toString(), null, null);
    }

    /** Starts (again) on the same port and file; returns once it accepts connections. */
    void resume() {
        try {
            process = new ProcessBuilder(RSYSLOGD.toString(), "-n", "-f", dir.resolve("rsyslog.conf").toString(),
                    "-i", dir.resolve("rsyslog.pid").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("rsyslogd.out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("rsyslogd exited: " + output());
                }
                pauseBriefly();
            }
        }
        throw new IllegalStateException("rsyslogd does not listen on " + port + ": " + output());
    }

    /** Starts it again if it is not running. */
    void runs() {
        if (process == null || !process.isAlive()) {
            resume();
        }
    }

    /** Stops it as an operator would (SIGTERM) and waits until it has exited. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every line received so far. */
    List<String> lines() {
        try {
            return Files.exists(received) ? Files.readAllLines(received, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String output() {
        try {
            return Files.readString(dir.resolve("rsyslogd.out"));
        } catch (IOException e) {
            return "(no output)";
        }
    }

    /** Polling a child process that must come up: the only wait here, bounded by the callers' deadlines. */
    static void pauseBriefly() {
        try {
            Thread.sleep(Duration.ofMillis(50));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            stop();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
