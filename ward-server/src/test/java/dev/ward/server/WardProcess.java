package dev.ward.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ward} command line in a process of its own, as an operator runs it: with its own environment (no
 * {@code WARD_*} variable of the test's leaks in) and real signals.
 */
final class WardProcess {
    private WardProcess() {}

    record Result(int exit, String out, String err) {
        String all() { return out + err; }
    }

    private static final Pattern LISTENING = Pattern.compile("Ward listening on http://127\\.0\\.0\\.1:(\\d+)");

    /** A process running {@code ward <args>} on the test classpath with exactly these {@code WARD_*} variables. */
    static ProcessBuilder builder(Map<String, String> env, String... args) {
        return builder(env, List.of(), args);
    }

    /** The same, with these options for the process's JVM (heap, logging). */
    static ProcessBuilder builder(Map<String, String> env, List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.ward.server.cli.WardCommand"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("WARD_"));
        pb.environment().putAll(env);
        return pb;
    }

    /** Runs {@code ward <args>} to its end (at most two minutes). */
    static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Process p = builder(env, args).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("ward " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, err.join());
    }

    /**
     * {@code ward serve --port 0 <args>} in a process of its own, once it says where it listens (at most
     * {@code startSeconds}); its output (standard output and error together) is collected as it comes.
     */
    static Server serve(Map<String, String> env, List<String> jvmOptions, int startSeconds, String... args)
            throws Exception {
        List<String> all = new ArrayList<>(List.of("serve", "--port", "0"));
        all.addAll(List.of(args));
        Process p = builder(env, jvmOptions, all.toArray(String[]::new)).redirectErrorStream(true).start();
        StringBuffer output = new StringBuffer();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new AssertionError("the server ended before listening:\n" + output));
        }, "ward-process-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new Server(p, output, port.get(startSeconds, TimeUnit.SECONDS), reader);
        } catch (Exception | AssertionError e) {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A server started by {@link #serve}; closing it kills it (and waits for its end, at most 20 s). */
    record Server(Process process, StringBuffer output, int port, Thread reader) implements AutoCloseable {
        String base() { return "http://127.0.0.1:" + port; }

        /** SIGTERM, as an operator's {@code kill} sends it ({@code Process.destroy} would also close our end of its output). */
        void sigterm() {
            if (!process.toHandle().destroy()) {
                throw new AssertionError("SIGTERM was not delivered");
            }
        }

        /** Waits (at most a minute) for the process to end and for the last of its output; answers its exit status. */
        int awaitExit() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("the server did not end within a minute:\n" + output);
            }
            reader.join(10_000);
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
