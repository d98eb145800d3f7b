package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;

/**
 * ward.js in a real browser (issue 12 item 10): Debian's headless Chromium, driven through chromedriver by Selenium.
 * A test app on another loopback port — an origin the tenant allows — signs in, opens two patient contexts and stores
 * data in them, starts ward.js, and then: (a) its tab is closed, (b) its tab stays hidden past the threshold, (c) the
 * buttons and Ctrl+Shift+E are used, (d) the idle warning comes and goes, and (e) a page of a foreign origin tries to
 * read and clear. What counts is what Ward holds afterwards, read over HTTP by the test.
 *
 * <p>The tab is hidden for real: switching to another tab makes the first one {@code hidden} in headless Chromium
 * ({@code visibilitychange} fires as it would for a person), so nothing is emulated. Cases (b) and (d') go through a
 * same-origin forwarding path ({@code /ward/*} on the app's origin), the others straight to Ward with the cookie.
 * Ward's clock follows real time here (the browser's timers are real). One browser serves every case.
 */
class WardJsBrowserTest {
    static final String PASSWORD = "Browser-Ward-Pass-9!";
    static final int IDLE_SECONDS = 6;
    static final int WARN_SECONDS = 4;
    static final int HIDDEN_SECONDS = 2;

    static TestWard w;
    static RealTime realTime;
    static HttpServer app;
    static HttpServer foreign;
    static ChromeDriver driver;
    static String home;
    static String adminKey;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        HeadlessChromium.requireInstalled("WardJsBrowserTest");
        w = new TestWard();
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        app.createContext("/app.html", ex -> page(ex, appPage(ex)));
        app.createContext("/ward/", WardJsBrowserTest::forward);
        app.start();
        foreign = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        foreign.createContext("/evil.html", ex -> page(ex, foreignPage()));
        foreign.start();
        Map<String, Object> common = Map.of("required_roles", List.of());
        Map<String, Object> noRotation = Map.of("rotate_after_uses", 1_000_000, "rotate_after_seconds", 86_400,
                "idle_timeout_seconds", 600);
        w.createTenant("stmarys", Map.of("mfa", common, "session", noRotation,
                "browser", Map.of("allowed_origins", List.of(appOrigin()))));
        w.createTenant("quick", Map.of("mfa", common, "browser", Map.of("allowed_origins", List.of(appOrigin())),
                "session", Map.of("rotate_after_uses", 1_000_000, "rotate_after_seconds", 86_400,
                        "idle_timeout_seconds", IDLE_SECONDS)));
        w.createUser("stmarys", "nurse", PASSWORD, "provider");
        w.createUser("quick", "nurse", PASSWORD, "provider");
        adminKey = w.createApiKey("system", "admin");
        // The browser's timers are real, so Ward's clock must be too (from here on: the set-up above reused one admin login while it stood still).
        realTime = new RealTime(w.clock);

        driver = HeadlessChromium.start(1000, 700);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        home = driver.getWindowHandle();
    }

    @AfterAll
    static void stop() {
        if (realTime != null) {
            realTime.close();
        }
        if (driver != null) {
            driver.quit();
        }
        if (app != null) {
            app.stop(0);
        }
        if (foreign != null) {
            foreign.stop(0);
        }
        if (w != null) {
            w.close();
        }
    }

    /** Every case works in tabs of its own; the home tab stays, so the browser does. */
    @AfterEach
    void closeTabs() {
        if (driver == null) {
            return;
        }
        for (String handle : driver.getWindowHandles()) {
            if (!handle.equals(home)) {
                driver.switchTo().window(handle).close();
            }
        }
        driver.switchTo().window(home);
    }

    @Test
    void closingTheTabClearsThePatientContexts() {
        String token = openApp("stmarys", "direct", 600);
        assertThat(patients(token)).hasSize(2);
        driver.close(); // pagehide: the beacon goes out as the tab dies
        driver.switchTo().window(home);
        waitFor("the contexts cleared by the beacon", () -> patients(token).isEmpty());
        assertThat(w.get("/v1/session", token).status()).as("the session lives on").isEqualTo(200);
    }

    @Test
    void aTabHiddenPastTheThresholdIsClearedThroughTheForwardingPath() {
        String token = openApp("stmarys", "proxied", HIDDEN_SECONDS);
        String appTab = driver.getWindowHandle();
        assertThat(patients(token)).hasSize(2);
        driver.switchTo().window(home); // the app's tab is now hidden
        waitFor("the contexts cleared after " + HIDDEN_SECONDS + " s hidden", () -> patients(token).isEmpty());
        assertThat(w.get("/v1/session", token).status()).isEqualTo(200);
        driver.switchTo().window(appTab);
        @SuppressWarnings("unchecked") List<Object> visibility = (List<Object>) js().executeScript("return window.visibility");
        assertThat(visibility).as("really hidden, then visible again").containsSubsequence((Object) "hidden", "visible");
        assertThat(events("ward:patient-session-cleared")).isNotEmpty();
    }

    @Test
    void buttonsAndShortcutsClearAndEndTheSession() {
        String token = openApp("stmarys", "direct", 600);
        assertThat((Boolean) js().executeScript("return typeof window.clearPatientSession == 'function'"
                + " && typeof window.emergencySessionCleanup == 'function'"
                + " && ['enable','disable','manualCleanup'].every(f => typeof window.patientSessionCleanup[f] == 'function')"))
                .as("the seed apps' global names").isTrue();
        driver.findElement(By.id("clear")).click();
        waitFor("the clear button's event", () -> !events("ward:patient-session-cleared").isEmpty());
        assertThat(events("ward:patient-session-cleared").get(0).path("cleared").asInt()).isEqualTo(2);
        assertThat(patients(token)).isEmpty();
        js().executeScript("return fetch(window.base + '/v1/session/patients/pat-3', {method: 'POST', credentials: 'include'})");
        waitFor("a third context", () -> patients(token).size() == 1);

        new Actions(driver).keyDown(Keys.CONTROL).keyDown(Keys.SHIFT).sendKeys("e").keyUp(Keys.SHIFT).keyUp(Keys.CONTROL).perform();
        waitFor("ward:signed-out", () -> !events("ward:signed-out").isEmpty());
        assertThat(events("ward:signed-out").get(0).path("reason").asText()).isEqualTo("emergency_cleanup");
        var gone = w.get("/v1/session", token);
        assertThat(gone.status()).isEqualTo(401);
        assertThat(gone.text("reason")).isEqualTo("emergency_cleanup");
        assertThat(driver.findElement(By.tagName("body")).getText()).isEqualTo("You have been signed out.");
    }

    @Test
    void theIdleWarningCountsDownSlidesTheSessionAndSignsOutWhenIgnored() throws IOException {
        String token = openApp("quick", "direct", 600);
        // (1) The warning comes WARN_SECONDS before the idle timeout, focused, as an alertdialog.
        waitFor("the first idle warning", () -> events("ward:idle-warning").size() == 1);
        int secondsLeft = events("ward:idle-warning").get(0).path("seconds_left").asInt();
        // Not the exact lead: a timer fires late on a loaded machine (CI once saw more than a second), and ward.js
        // rounds up the time left by Ward's clock as the browser estimates it (from last_seen_at, to a few ms), so
        // 4.003 s left is "5" (CI saw that too). The bound is "before the timeout, about WARN_SECONDS ahead".
        assertThat(secondsLeft).as("seconds left (late timers, a clock estimated to a few ms, rounded up)")
                .isBetween(1, WARN_SECONDS + 1);
        WebElement dialog = driver.findElement(By.cssSelector("[role=alertdialog]"));
        assertThat(dialog.isDisplayed()).isTrue();
        WebElement focused = driver.switchTo().activeElement();
        assertThat(focused.getText()).isEqualTo("Stay signed in");
        int shown = Integer.parseInt(dialog.findElement(By.className("ward-countdown")).getText());
        assertThat(shown).isBetween(1, WARN_SECONDS + 1);
        Path shots = Files.createDirectories(Path.of("target", "browser"));
        Files.write(shots.resolve("ward-idle-dialog.png"), driver.getScreenshotAs(OutputType.BYTES));
        waitFor("the countdown to move", () -> Integer.parseInt(driver.findElement(By.className("ward-countdown")).getText()) < shown);

        // (2) "Stay signed in" slides the session on Ward.
        Instant before = idleExpiresAt("quick");
        focused.click();
        waitFor("the dialog to close", () -> driver.findElements(By.cssSelector("[role=alertdialog]")).isEmpty());
        assertThat(idleExpiresAt("quick")).isAfter(before);

        // (3) Escape is "stay signed in" too.
        waitFor("the second idle warning", () -> events("ward:idle-warning").size() == 2);
        Instant before2 = idleExpiresAt("quick");
        new Actions(driver).sendKeys(Keys.ESCAPE).perform();
        waitFor("the dialog to close on Escape", () -> driver.findElements(By.cssSelector("[role=alertdialog]")).isEmpty());
        assertThat(idleExpiresAt("quick")).isAfter(before2);

        // (4) Ignored, it signs out at zero and clears the page.
        waitFor("the third idle warning", () -> events("ward:idle-warning").size() == 3);
        waitFor("ward:signed-out at zero", () -> !events("ward:signed-out").isEmpty());
        assertThat(events("ward:signed-out").get(0).path("reason").asText()).isEqualTo("idle_timeout");
        assertThat(driver.findElement(By.tagName("body")).getText()).doesNotContain("Allergies").isEqualTo("You have been signed out.");
        waitFor("the session to be over on Ward", () -> w.get("/v1/session", token).status() == 401);
    }

    @Test
    void aPageOfAForeignOriginCanNeitherReadNorClear() {
        String token = openApp("stmarys", "direct", 600);
        assertThat(patients(token)).hasSize(2);
        driver.switchTo().newWindow(WindowType.TAB);
        driver.get(foreignOrigin() + "/evil.html");
        waitFor("the foreign page's attempts", () -> Boolean.TRUE.equals(js().executeScript("return window.done === true")));
        @SuppressWarnings("unchecked")
        Map<String, Object> outcome = (Map<String, Object>) js().executeScript("return window.outcome");
        assertThat(outcome.get("list")).as("reading the contexts").isEqualTo("blocked");
        assertThat(outcome.get("data")).as("reading a context's data").isEqualTo("blocked");
        assertThat(outcome.get("wardClear")).as("ward.js from that origin").isEqualTo("refused");
        driver.close(); // its pagehide beacon is refused too
        driver.switchTo().window(home);
        // Beacons are fire-and-forget: give them time to arrive before judging that they changed nothing.
        sleep(1500);
        assertThat(patients(token)).as("nothing cleared").hasSize(2);
        var data = w.get("/v1/session/patients/pat-1/data/chart", token);
        assertThat(data.status()).isEqualTo(200);
        assertThat(data.json().path("allergies").get(0).asText()).isEqualTo("penicillin");
        assertThat(w.get("/v1/session", token).status()).as("the session not ended").isEqualTo(200);
    }

    // --- the app ---------------------------------------------------------------------------------------------

    /**
     * Opens the test app in a new tab, signs in to {@code tenant}, opens two patient contexts with data, starts
     * ward.js, and returns the session's token (for the test's own checks with Bearer).
     */
    private static String openApp(String tenant, String mode, int hiddenSeconds) {
        driver.switchTo().newWindow(WindowType.TAB);
        driver.get(appOrigin() + "/app.html?mode=" + mode + "&hidden=" + hiddenSeconds + "&warn=" + WARN_SECONDS);
        waitFor("the app's module", () -> Boolean.TRUE.equals(js().executeScript("return typeof window.setup == 'function'")));
        Object token = js().executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "window.setup(arguments[0], 'nurse', arguments[1]).then(done, e => done('failed: ' + e))", tenant, PASSWORD);
        assertThat(token).asString().startsWith("wst_");
        return (String) token;
    }

    private static String appPage(HttpExchange ex) {
        String query = ex.getRequestURI().getQuery();
        Map<String, String> q = new java.util.HashMap<>();
        for (String pair : query.split("&")) {
            q.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
        }
        boolean proxied = q.get("mode").equals("proxied");
        String base = proxied ? "/ward" : w.base();
        return """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ward test app</title></head><body>
                <h1>Chart</h1><p id="chart">Allergies: penicillin</p>
                <button id="clear" data-ward-action="clear">Clear patient data</button>
                <span id="emergency" data-ward-action="emergency">Emergency</span>
                <script type="module" nonce="n0nce">
                import { Ward } from "BASE/ward.js";
                const base = window.base = "BASE";
                window.events = [];
                window.visibility = [];
                document.addEventListener("visibilitychange", () => window.visibility.push(document.visibilityState));
                for (const type of ["ward:patient-session-cleared", "ward:idle-warning", "ward:signed-out"]) {
                  document.addEventListener(type, (e) => window.events.push({ type, detail: e.detail }));
                }
                const ok = async (r) => { if (!r.ok) throw new Error(r.status + " " + await r.text()); return r; };
                window.setup = async (tenant, username, password) => {
                  const login = await (await ok(await fetch(base + "/v1/auth/login", { method: "POST", credentials: "include",
                    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tenant, username, password }) }))).json();
                  for (const p of ["pat-1", "pat-2"]) {
                    await ok(await fetch(base + "/v1/session/patients/" + p, { method: "POST", credentials: "include" }));
                    await ok(await fetch(base + "/v1/session/patients/" + p + "/data/chart", { method: "PUT", credentials: "include",
                      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ allergies: ["penicillin"] }) }));
                  }
                  window.ward = Ward.start({ base, idleWarningSeconds: WARN, hiddenCleanupSeconds: HIDDEN });
                  await window.ward.ready;
                  return login.token;
                };
                </script></body></html>
                """.replace("BASE", base).replace("WARN", q.get("warn")).replace("HIDDEN", q.get("hidden"));
    }

    /** A page of an origin no tenant allows, on the same host (so the browser does send it Ward's cookie). */
    private static String foreignPage() {
        return """
                <!doctype html><html><head><meta charset="utf-8"><title>Elsewhere</title></head><body><p>Elsewhere</p>
                <script type="module" nonce="n0nce">
                import { Ward } from "WARD/ward.js";
                const outcome = window.outcome = {};
                const attempt = async (name, url) => {
                  try { await fetch(url, { credentials: "include" }); outcome[name] = "read"; }
                  catch (e) { outcome[name] = "blocked"; }
                };
                await attempt("list", "WARD/v1/session/patients");
                await attempt("data", "WARD/v1/session/patients/pat-1/data/chart");
                navigator.sendBeacon("WARD/v1/session/patient-data/clear");
                navigator.sendBeacon("WARD/v1/session/emergency-cleanup");
                await fetch("WARD/v1/session/patient-data/clear", { method: "POST", mode: "no-cors", credentials: "include" });
                const ward = Ward.start({ base: "WARD" });
                try { await ward.clearPatientData(); outcome.wardClear = "cleared"; } catch (e) { outcome.wardClear = "refused"; }
                window.done = true;
                </script></body></html>
                """.replace("WARD", w.base());
    }

    /** Serves a page under a CSP without 'unsafe-inline' styles: ward.js's dialog must style itself through the CSSOM. */
    private static void page(HttpExchange ex, String html) throws IOException {
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        String self = "http://" + ex.getLocalAddress().getHostString() + ":" + ex.getLocalAddress().getPort();
        ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        ex.getResponseHeaders().add("Content-Security-Policy", "default-src 'none'; script-src 'nonce-n0nce' " + self + " "
                + w.base() + "; connect-src " + self + " " + w.base() + "; style-src 'none'");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** The app's forwarding path: {@code /ward/*} on its own origin goes to Ward, cookie and Origin included. */
    private static void forward(HttpExchange ex) throws IOException {
        String target = w.base() + ex.getRequestURI().getRawPath().substring("/ward".length())
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
        byte[] in = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target)).timeout(Duration.ofSeconds(10))
                .method(ex.getRequestMethod(), in.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(in));
        for (String h : List.of("Cookie", "Content-Type", "Origin", "Accept", "Sec-Fetch-Site", "If-None-Match")) {
            String v = ex.getRequestHeaders().getFirst(h);
            if (v != null) {
                b.header(h, v);
            }
        }
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            for (String h : List.of("Set-Cookie", "Content-Type", "Cache-Control", "Clear-Site-Data", "ETag", "Pragma", "Expires")) {
                r.headers().allValues(h).forEach(v -> ex.getResponseHeaders().add(h, v));
            }
            byte[] out = r.body();
            ex.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ex.sendResponseHeaders(502, -1);
        } finally {
            ex.close();
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static String appOrigin() { return "http://127.0.0.1:" + app.getAddress().getPort(); }

    private static String foreignOrigin() { return "http://127.0.0.1:" + foreign.getAddress().getPort(); }

    private static JavascriptExecutor js() { return driver; }

    private static List<JsonNode> patients(String token) {
        var r = w.get("/v1/session/patients", token);
        assertThat(r.status()).as("GET /v1/session/patients: " + r.raw()).isEqualTo(200);
        List<JsonNode> out = new java.util.ArrayList<>();
        r.json().path("patients").forEach(out::add);
        return out;
    }

    /** The page's ward:* events of one type, in order, as JSON. */
    private static List<JsonNode> events(String type) {
        Object raw = js().executeScript("return JSON.stringify((window.events || []).filter(e => e.type == arguments[0]))", type);
        try {
            List<JsonNode> out = new java.util.ArrayList<>();
            new com.fasterxml.jackson.databind.ObjectMapper().readTree((String) raw).forEach(e -> out.add(e.path("detail")));
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The idle expiry of the tenant's one live session, as an administrator sees it (which is no use of it). */
    private static Instant idleExpiresAt(String tenant) {
        var r = w.get("/v1/admin/sessions?tenant=" + tenant, adminKey);
        assertThat(r.status()).isEqualTo(200);
        JsonNode sessions = r.json().path("sessions");
        assertThat(sessions.size()).isEqualTo(1);
        return Instant.parse(sessions.get(0).path("idle_expires_at").asText());
    }

    private static void waitFor(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            sleep(100);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
