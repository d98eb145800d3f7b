import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The login side of bench/peers.sh (issue 13, items 5 and 6), run with the JDK's source launcher
 * ({@code java -cp bench/jmh/target/benchmarks.jar bench/peers/LoginClient.java MODE TARGET URL ...}: Ward's
 * classes and Bouncy Castle come from the JMH jar); nothing else to build. One keep-alive HTTP/1.1
 * connection per client thread, as an app back-end would hold.
 *
 * <pre>
 *   create  ward|peer URL N C    N logins over C concurrent clients; prints the N session tokens, one a line
 *   pairs   ward|peer URL N [ward|peer URL2]
 *                                N sequential login + first validation pairs; prints their timing. With a second
 *                                target, the two alternate pair by pair (the shared machine's load hits both)
 *   logins  ward|peer URL C S    C concurrent clients log in for S seconds; prints the rate of 200 answers
 *   alternate ward|peer URL C S R  R rounds of: S seconds of logins by C clients, then S seconds of raw Argon2id
 *                                at Ward's parameters on C threads in this JVM; prints both rates and their ratio.
 *                                Windows this short make a moving machine load fall on both alike. Needs Ward's
 *                                classes and Bouncy Castle on the class path (-cp bench/jmh/target/benchmarks.jar)
 * </pre>
 * ward: POST /v1/auth/login with the app's API key (WARD_API_KEY), tenant WARD_TENANT, user WARD_USER, password
 * USER_PW; then POST /v1/sessions/validate. peer: POST /login {username, password USER_PW}; then GET /me with
 * the X-Auth-Token header. Every answer is checked: a login that is not 200 with a token, or a validation that
 * is not 200, is counted and reported (and fails create and pairs), so an error path is never timed as a success.
 */
public class LoginClient {
    static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    record Target(String kind, String url, String apiKey, String tenant, String user, String password) {
        static Target of(String kind, String url) {
            if (!kind.equals("ward") && !kind.equals("peer")) {
                throw new IllegalArgumentException("target is ward or peer, not " + kind);
            }
            return new Target(kind, url, System.getenv("WARD_API_KEY"), env("WARD_TENANT", "bench"),
                    env("WARD_USER", "clinician"), System.getenv("USER_PW"));
        }

        HttpRequest login() {
            if (kind.equals("ward")) {
                return post("/v1/auth/login", "{\"tenant\":\"" + tenant + "\",\"username\":\"" + user + "\",\"password\":\""
                        + password + "\",\"client\":{\"ip\":\"203.0.113.7\",\"user_agent\":\"Firefox\"}}");
            }
            return post("/login", "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
        }

        HttpRequest validate(String token) {
            if (kind.equals("ward")) {
                return post("/v1/sessions/validate", "{\"token\":\"" + token + "\"}");
            }
            return HttpRequest.newBuilder(URI.create(url + "/me")).header("X-Auth-Token", token).GET()
                    .timeout(Duration.ofSeconds(30)).build();
        }

        private HttpRequest post(String path, String body) {
            var b = HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body));
            if (kind.equals("ward")) {
                b.header("Authorization", "Bearer " + apiKey);
            }
            return b.build();
        }
    }

    static String env(String name, String otherwise) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? otherwise : v;
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The session token of a 200 login answer, or null (with the reason counted in {@code bad}). */
    static String login(HttpClient http, Target t, ConcurrentHashMap<String, AtomicInteger> bad) throws Exception {
        HttpResponse<String> r = http.send(t.login(), HttpResponse.BodyHandlers.ofString());
        Matcher m = TOKEN.matcher(r.body());
        if (r.statusCode() == 200 && m.find()) {
            return m.group(1);
        }
        bad.computeIfAbsent("login " + r.statusCode() + " " + r.body().substring(0, Math.min(120, r.body().length())),
                k -> new AtomicInteger()).incrementAndGet();
        return null;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: LoginClient create|pairs|logins ward|peer URL ARGS... (see the class comment)");
            System.exit(2);
        }
        Target t = Target.of(args[1], args[2]);
        switch (args[0]) {
            case "create" -> create(t, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "pairs" -> {
                // pairs ward URL N [peer URL]: the targets alternate pair by pair
                List<Target> targets = new ArrayList<>(List.of(t));
                if (args.length >= 6) {
                    targets.add(Target.of(args[4], args[5]));
                }
                pairs(targets, Integer.parseInt(args[3]));
            }
            case "logins" -> logins(t, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "alternate" -> alternate(t, Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static void create(Target t, int n, int clients) throws Exception {
        var next = new AtomicInteger();
        var tokens = Collections.synchronizedList(new ArrayList<String>());
        var bad = new ConcurrentHashMap<String, AtomicInteger>();
        var retried = new ConcurrentHashMap<String, AtomicInteger>();
        runThreads(clients, () -> {
            HttpClient http = client();
            while (next.getAndIncrement() < n) {
                // Setting up, not measuring: a 503 (a store past its deadline on a loaded machine) is asked
                // again after a second, up to 5 times, and reported; any other failure stops the run.
                String token = null;
                for (int attempt = 0; token == null; attempt++) {
                    HttpResponse<String> r = http.send(t.login(), HttpResponse.BodyHandlers.ofString());
                    Matcher m = TOKEN.matcher(r.body());
                    if (r.statusCode() == 200 && m.find()) {
                        token = m.group(1);
                    } else if (r.statusCode() == 503 && attempt < 5) {
                        retried.computeIfAbsent("503 " + r.body().substring(0, Math.min(120, r.body().length())),
                                k -> new AtomicInteger()).incrementAndGet();
                        Thread.sleep(1000);
                    } else {
                        bad.computeIfAbsent("login " + r.statusCode() + " " + r.body().substring(0, Math.min(120, r.body().length())),
                                k -> new AtomicInteger()).incrementAndGet();
                        break;
                    }
                }
                if (token != null) {
                    tokens.add(token);
                }
            }
        });
        if (!retried.isEmpty()) {
            System.err.println("LoginClient create (" + t.kind() + "): logins asked again after a failure: " + retried);
        }
        if (!bad.isEmpty()) {
            System.err.println("LoginClient create: failed logins: " + bad + (retried.isEmpty() ? "" : " after " + retried));
            System.exit(1);
        }
        StringBuilder out = new StringBuilder();
        tokens.forEach(s -> out.append(s).append('\n'));
        System.out.print(out);
    }

    /** One target's timings over the pairs: whole pair, login alone, first validation alone (nanoseconds). */
    record Timings(long[] pair, long[] login, long[] first) {
        Timings(int n) { this(new long[n], new long[n], new long[n]); }
    }

    /**
     * N pairs on each target, alternated (pair i on Ward, then pair i on the peer, ...), so that a change in the
     * load of a shared machine falls on both rather than on whichever ran second.
     */
    static void pairs(List<Target> targets, int n) throws Exception {
        var bad = new ConcurrentHashMap<String, AtomicInteger>();
        List<HttpClient> clients = new ArrayList<>();
        List<Timings> timings = new ArrayList<>();
        for (Target t : targets) {
            clients.add(client());
            timings.add(new Timings(n));
        }
        for (int i = 0; i < n && bad.isEmpty(); i++) {
            for (int k = 0; k < targets.size() && bad.isEmpty(); k++) {
                Target t = targets.get(k);
                HttpClient http = clients.get(k);
                long start = System.nanoTime();
                String token = login(http, t, bad);
                long loggedIn = System.nanoTime();
                if (token == null) {
                    break;
                }
                HttpResponse<String> v = http.send(t.validate(token), HttpResponse.BodyHandlers.ofString());
                long end = System.nanoTime();
                if (v.statusCode() != 200) {
                    bad.computeIfAbsent(t.kind() + " validate " + v.statusCode(), x -> new AtomicInteger()).incrementAndGet();
                    break;
                }
                timings.get(k).pair()[i] = end - start;
                timings.get(k).login()[i] = loggedIn - start;
                timings.get(k).first()[i] = end - loggedIn;
            }
        }
        if (!bad.isEmpty()) {
            System.err.println("LoginClient pairs: failed: " + bad);
            System.exit(1);
        }
        for (int k = 0; k < targets.size(); k++) {
            Timings tm = timings.get(k);
            System.out.printf("%s login-to-first-validate, %d sequential pairs: median %.1f ms, p90 %.1f ms, mean %.1f ms"
                            + " (login alone median %.1f ms; first validate alone median %.2f ms)%n",
                    targets.get(k).kind(), n, pct(tm.pair(), 50), pct(tm.pair(), 90),
                    Arrays.stream(tm.pair()).average().orElse(0) / 1e6, pct(tm.login(), 50), pct(tm.first(), 50));
        }
    }

    static void logins(Target t, int clients, int seconds) throws Exception {
        var ok = new AtomicLong();
        var bad = new ConcurrentHashMap<String, AtomicInteger>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        runThreads(clients, () -> {
            HttpClient http = client();
            while (System.nanoTime() < end) {
                if (login(http, t, bad) != null) {
                    ok.incrementAndGet();
                }
            }
        });
        double elapsed = (System.nanoTime() - start) / 1e9;
        int failed = bad.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.printf("%s logins, %d concurrent clients, %.1f s: %d answered 200 = %.2f logins/s; other answers: %d %s%n",
                t.kind(), clients, elapsed, ok.get(), ok.get() / elapsed, failed, failed == 0 ? "" : bad.toString());
    }

    /** Argon2id exactly as {@code PasswordHasher} computes it, at Ward's parameters (read from ward-core). */
    static byte[] rawArgon2(byte[] password, byte[] salt) {
        var p = dev.ward.user.PasswordHasher.Params.OWASP;
        var parameters = new org.bouncycastle.crypto.params.Argon2Parameters.Builder(
                        org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_id)
                .withVersion(org.bouncycastle.crypto.params.Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(p.memoryKib()).withIterations(p.iterations()).withParallelism(p.parallelism())
                .withSalt(salt).build();
        var generator = new org.bouncycastle.crypto.generators.Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[32];
        generator.generateBytes(password, out);
        return out;
    }

    static void alternate(Target t, int clients, int seconds, int rounds) throws Exception {
        var bad = new ConcurrentHashMap<String, AtomicInteger>();
        byte[] password = t.password().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] salt = new byte[16];
        // Warm the hashing code up, not counted.
        for (int i = 0; i < 3; i++) {
            rawArgon2(password, salt);
        }
        long loginCount = 0, hashCount = 0;
        double loginSeconds = 0, hashSeconds = 0;
        List<HttpClient> https = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            https.add(client());
        }
        for (int r = 0; r < rounds; r++) {
            var ok = new AtomicLong();
            long start = System.nanoTime(), end = start + seconds * 1_000_000_000L;
            var next = new AtomicInteger();
            runThreads(clients, () -> {
                HttpClient http = https.get(next.getAndIncrement());
                while (System.nanoTime() < end) {
                    if (login(http, t, bad) != null) {
                        ok.incrementAndGet();
                    }
                }
            });
            loginSeconds += (System.nanoTime() - start) / 1e9;
            loginCount += ok.get();
            var hashes = new AtomicLong();
            long hStart = System.nanoTime(), hEnd = hStart + seconds * 1_000_000_000L;
            runThreads(clients, () -> {
                while (System.nanoTime() < hEnd) {
                    if (rawArgon2(password, salt).length == 32) {
                        hashes.incrementAndGet();
                    }
                }
            });
            hashSeconds += (System.nanoTime() - hStart) / 1e9;
            hashCount += hashes.get();
            System.out.printf("round %d: %s logins %.2f/s, raw Argon2id %.2f/s, ratio %.2f%n", r + 1, t.kind(),
                    ok.get() / ((end - start) / 1e9), hashes.get() / ((hEnd - hStart) / 1e9),
                    (ok.get() / ((end - start) / 1e9)) / Math.max(1e-9, hashes.get() / ((hEnd - hStart) / 1e9)));
        }
        int failed = bad.values().stream().mapToInt(AtomicInteger::get).sum();
        double loginRate = loginCount / loginSeconds, hashRate = hashCount / hashSeconds;
        System.out.printf("ALTERNATED %s: %d rounds of %d s each, %d clients/threads: logins %.2f/s, raw Argon2id %.2f/s,"
                        + " ratio %.2f; answers other than 200: %d %s%n", t.kind(), rounds, seconds, clients, loginRate,
                hashRate, loginRate / hashRate, failed, failed == 0 ? "" : bad.toString());
    }

    interface Work { void run() throws Exception; }

    static void runThreads(int n, Work work) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    work.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread th : threads) {
            th.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a client thread failed", failure.get());
        }
    }

    static double pct(long[] values, int p) {
        long[] s = values.clone();
        Arrays.sort(s);
        int i = Math.min(s.length - 1, Math.max(0, (int) Math.ceil(p / 100.0 * s.length) - 1));
        return s[i] / 1e6;
    }
}
