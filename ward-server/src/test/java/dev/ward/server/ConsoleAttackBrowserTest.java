package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The console attacked in headless Chromium (review16): markup in every kind of data it shows (a tenant's name, an API
 * key's name, a user agent, a break-glass reason, an app's audit details; the break-glass alert carries none of them),
 * its Trusted Types and script policy tried from inside the page, and framing by another page. Screenshots go to
 * {@code target/browser/console-attack-*.png}.
 */
class ConsoleAttackBrowserTest {
    static final String PASSWORD = "Console-Attack-Pass-9!";
    static final Path SHOTS = Path.of("target", "browser");
    /** Each payload names its own id: an element with an id starting "injected" is markup that came from data. */
    static String payload(String where) {
        return "<img src=x id=injected-" + where + " onerror=pwned=1><script>pwned=1</script>"; // names are at most 100
    }

    static TestWard w;
    static ChromeDriver driver;

    @BeforeAll
    static void start() throws IOException {
        HeadlessChromium.requireInstalled("ConsoleAttackBrowserTest");
        w = new TestWard();
        Files.createDirectories(SHOTS);
        seed();
        driver = HeadlessChromium.start(1280, 900);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (w != null) {
            w.close();
        }
    }

    private static void seed() {
        String admin = w.adminToken();
        var tenant = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "xss", "name", payload("tenant"),
                "policy", Map.of("mfa", Map.of("required_roles", List.of())))), admin);
        assertThat(tenant.status()).as(tenant.raw()).isEqualTo(201);
        assertThat(w.post("/v1/admin/tenants/xss/users", TestWard.json(Map.of("username", "nurse", "password", PASSWORD,
                "roles", List.of("provider"))), admin).status()).isEqualTo(201);
        var key = w.post("/v1/admin/tenants/xss/api-keys", TestWard.json(Map.of("name", payload("apikey"),
                "scopes", List.of("sessions", "patients", "audit"))), admin);
        assertThat(key.status()).as(key.raw()).isEqualTo(201);
        String app = key.text("key");
        var event = w.post("/v1/audit/events", TestWard.json(Map.of("type", "app.note",
                "details", Map.of("note", payload("audit")))), app);
        assertThat(event.status()).as(event.raw()).isEqualTo(201);
        // The app vouches for its user's browser: the user agent is what that browser sent. (A session used later with
        // a bearer token takes that connection's client, so this one is left alone.)
        var shown = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "xss", "username", "nurse", "password", PASSWORD,
                "client", Map.of("ip", "203.0.113.9", "user_agent", payload("useragent")))), app);
        assertThat(shown.status()).as(shown.raw()).isEqualTo(200);
        var nurse = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "xss", "username", "nurse", "password", PASSWORD)), null);
        assertThat(nurse.status()).as(nurse.raw()).isEqualTo(200);
        assertThat(w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true, "care_team", List.of())), app)
                .status()).isEqualTo(200);
        var broken = w.post("/v1/session/patients/vip-1", TestWard.json(Map.of("break_glass", true,
                "reason", payload("reason"), "reason_code", "ETREAT")), nurse.text("token"));
        assertThat(broken.status()).as(broken.raw()).isEqualTo(200);
    }

    @Test
    void noDataTheConsoleShowsBecomesMarkup() throws IOException {
        driver.get(w.base() + "/console/");
        driver.executeScript("sessionStorage.setItem('console.tenant', 'xss')");
        driver.navigate().refresh();
        WebElement tenant = until("the sign-in form", () -> one(By.name("tenant")));
        tenant.clear();
        tenant.sendKeys("system");
        driver.findElement(By.name("username")).sendKeys("admin");
        driver.findElement(By.name("password")).sendKeys(TestWard.ADMIN_PASSWORD);
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until("the dashboard", () -> heading().equals("Dashboard"));
        // Where each payload must show up as the characters it is (proof that the page shows the data at all).
        Map<String, String> shownOn = Map.of("tenants", "injected-tenant", "api-keys", "injected-apikey",
                "audit", "injected-audit", "sessions", "injected-useragent", "break-glass", "injected-reason");
        for (String page : List.of("dashboard", "sessions", "users", "alerts", "audit", "tenants", "api-keys", "keys",
                "break-glass")) {
            driver.get(w.base() + "/console/#/" + page);
            until("the " + page + " page", () -> !heading().isEmpty() && !heading().equals("Dashboard") || page.equals("dashboard"));
            if (shownOn.containsKey(page)) {
                until(page + " showing its data as text",
                        () -> driver.findElement(By.id("main")).getText().contains("id=" + shownOn.get(page)));
            }
            shot(page);
            assertThat(heading()).as(page).isNotEqualTo("Something went wrong");
            assertThat(driver.findElements(By.cssSelector("[id^=injected]"))).as("elements made of data on " + page).isEmpty();
            assertThat(driver.executeScript("return window.pwned === undefined")).as("script ran on " + page).isEqualTo(true);
        }
    }

    @Test
    void trustedTypesAndTheScriptPolicyAreEnforcedInThePage() {
        driver.get(w.base() + "/console/");
        until("the console", () -> one(By.id("main")));
        // The page's own realm: a string into innerHTML throws (Trusted Types, no policy), and so does creating one.
        assertThat(driver.executeScript("try { document.getElementById('main').innerHTML = '<b id=injected-tt>x</b>';"
                + " return 'assigned'; } catch (e) { return e.name; }")).isEqualTo("TypeError");
        assertThat(driver.executeScript("try { trustedTypes.createPolicy('p', {createHTML: s => s}); return 'created'; }"
                + " catch (e) { return e.name; }")).isEqualTo("TypeError");
        // Code from a string, run by the page itself (the driver's own evaluation is exempt from the page's policy, so
        // eval is tried through a timer): refused by script-src 'self' and Trusted Types alike.
        assertThat(driver.executeScript("try { setTimeout('window.pwned = 1', 0); return 'queued'; } catch (e) { return e.name; }"))
                .isIn("queued", "TypeError");
        // An inline script element put in by DOM calls: its text cannot be set, or it does not run.
        assertThat(driver.executeScript("try { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
                + " document.body.append(s); return 'appended'; } catch (e) { return e.name; }")).isIn("appended", "TypeError");
        driver.executeAsyncScript("const done = arguments[arguments.length - 1]; setTimeout(done, 200);"); // the timer's turn
        assertThat(driver.executeScript("return window.pwned === undefined")).isEqualTo(true);
        assertThat(driver.findElements(By.id("injected-tt"))).isEmpty();
    }

    /**
     * Framing: a page on another port frames the console through a relay that keeps the console's headers, and a second
     * path of the relay strips them. The stripped one loads (so the probe can see a framed console), the real one
     * does not.
     */
    @Test
    void noPageCanFrameTheConsole() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpServer relay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        relay.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            if (path.equals("/frame.html") || path.equals("/frame-stripped.html")) {
                String src = path.equals("/frame.html") ? "/console/" : "/stripped/console/";
                body = ("<!doctype html><title>framing</title><iframe id=f src=\"" + src + "\" width=800 height=600></iframe>")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
            } else {
                boolean stripped = path.startsWith("/stripped/");
                try {
                    HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(w.base()
                            + (stripped ? path.substring("/stripped".length()) : path))).build(), HttpResponse.BodyHandlers.ofByteArray());
                    body = r.body();
                    r.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
                    if (!stripped) {
                        for (String h : List.of("Content-Security-Policy", "X-Frame-Options")) {
                            r.headers().firstValue(h).ifPresent(v -> exchange.getResponseHeaders().set(h, v));
                        }
                    }
                    exchange.sendResponseHeaders(r.statusCode(), body.length);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        relay.start();
        try {
            String base = "http://127.0.0.1:" + relay.getAddress().getPort();
            String probe = "const f = document.getElementById('f'); const d = f.contentDocument;"
                    + " return d === null ? 'blocked' : (d.getElementById('main') ? 'console' : 'loading');";
            driver.get(base + "/frame-stripped.html");
            assertThat(until("the stripped console framed", () -> "console".equals(driver.executeScript(probe)))).isTrue();
            driver.get(base + "/frame.html");
            assertThat(until("the frame settled", () -> {
                Object state = driver.executeScript(probe);
                return "loading".equals(state) ? null : state;
            })).isEqualTo("blocked");
        } finally {
            relay.stop(0);
        }
    }

    private static String heading() {
        WebElement h1 = one(By.cssSelector("main h1"));
        return h1 == null ? "" : h1.getText();
    }

    private static WebElement one(By by) {
        return HeadlessChromium.one(driver, by);
    }

    private static <T> T until(String what, Supplier<T> probe) {
        return HeadlessChromium.until(driver, what, probe);
    }

    private static void shot(String page) throws IOException {
        Files.write(SHOTS.resolve("console-attack-" + page + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }
}
