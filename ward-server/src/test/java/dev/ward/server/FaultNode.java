package dev.ward.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code ward serve} node in a process of its own (production mode: PostgreSQL and Redis), which a fault-injection
 * test can {@code kill -9} in the middle of its requests and start again.
 */
final class FaultNode implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Ward listening on http://127\\.0\\.0\\.1:(\\d+)");

    final String name;
    private final Map<String, String> env;
    private final Path dir;
    private Process process;
    private volatile int port;
    private final StringBuffer output = new StringBuffer();

    FaultNode(String name, Map<String, String> env) {
        this.name = name;
        this.env = env;
        try {
            this.dir = Files.createTempDirectory("ward-fault-" + name);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        start();
    }

    /** Starts the process and waits until it listens (at most a minute). */
    void start() {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Small and quick to start: two of these run beside the test on a small machine.
                "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "dev.ward.server.cli.WardCommand",
                "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("WARD_"));
        pb.environment().putAll(env);
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start ward serve", e);
        }
        Process p = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        listening.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the process went away
            }
            listening.completeExceptionally(new AssertionError("node " + name + " ended before listening:\n" + output));
        }, "fault-node-" + name);
        reader.setDaemon(true);
        reader.start();
        try {
            port = listening.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("node " + name + " did not start:\n" + output, e);
        }
    }

    String base() { return "http://127.0.0.1:" + port; }

    /** SIGKILL: no shutdown hook, no request finished, nothing flushed. */
    void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String output() { return output.toString(); }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill9();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
