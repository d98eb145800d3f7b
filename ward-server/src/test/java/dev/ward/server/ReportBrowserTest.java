package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Pdf;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.print.PrintOptions;

/**
 * Each HTML report in headless Chromium, as an administrator opens it from the console (the session cookie): the page's
 * own Content-Security-Policy holds — its style sheet applies (the hash matches), nothing is reported as a violation,
 * no script exists or ran although the data holds markup and script, and another inline style is refused. A full-page
 * screenshot and a print to PDF of each go to {@code target/screenshots/}.
 */
class ReportBrowserTest {
    static final String PASSWORD = "Report-Browser-Pass-9!";
    static final Path SHOTS = Path.of("target", "screenshots");
    static final String REASON = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\"> \u202Egpj.exe";
    static final String PURPOSE = "<style>body{display:none}</style>=HYPERLINK(\"http://evil.example\")";
    /**
     * Injected before any page script could run (DevTools, not the page, so the page's CSP does not apply to it): it keeps
     * every CSP violation the page reports, the events the browser's console would show.
     */
    static final String WATCH = "window.__violations = [];"
            + "document.addEventListener('securitypolicyviolation', e => window.__violations.push("
            + "e.violatedDirective + ' ' + e.blockedURI));";

    static TestWard w;
    static ChromeDriver driver;
    static String admin;

    @BeforeAll
    static void start() throws IOException {
        HeadlessChromium.requireInstalled("ReportBrowserTest");
        w = new TestWard();
        w.clock.set(Instant.parse("2026-11-22T09:00:00Z"));
        w.createTenant("stmarys");
        String nurseId = w.createUser("stmarys", "nurse", PASSWORD, "staff");
        w.createUser("stmarys", "clerk", PASSWORD, "staff");
        String emr = w.createApiKey("stmarys", "patients");
        String audit = w.createApiKey("stmarys", "audit");
        assertThat(w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true, "care_team", List.of())), emr)
                .status()).isEqualTo(200);
        String nurse = w.login("stmarys", "nurse", PASSWORD);
        var broken = w.post("/v1/session/patients/vip-1", TestWard.json(Map.of("break_glass", true, "reason", REASON,
                "reason_code", "ETREAT")), nurse);
        assertThat(broken.status()).as(broken.raw()).isEqualTo(200);
        w.put("/v1/session/patients/vip-1/data/allergies", "[\"latex\"]", nurse);
        w.get("/v1/session/patients/vip-1/data/allergies", nurse);
        assertThat(w.post("/v1/audit/events", TestWard.json(Map.of("type", "app.patient.read", "user_id", nurseId,
                "patient_id", "vip-1", "details", Map.of("purpose", PURPOSE))), audit).status()).isEqualTo(201);
        w.clock.advance(Duration.ofMinutes(10));
        w.login("stmarys", "clerk", PASSWORD);
        w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "clerk", "password", "wrong")));
        assertThat(w.post("/v1/auth/logout", null, nurse).status()).isEqualTo(204);
        w.clock.set(Instant.parse("2026-11-23T08:00:00Z"));
        admin = w.adminToken();
        Files.createDirectories(SHOTS);
        driver = HeadlessChromium.start(1280, 900);
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", WATCH));
        // The administrator's session as the console holds it: a cookie on Ward's origin.
        driver.get(w.base() + "/health/live");
        driver.manage().addCookie(new Cookie.Builder("ward_session", admin).path("/").isHttpOnly(true).build());
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

    /** A report's page: its name (for the files) and where it is. */
    record Report(String name, String path, String heading) {}

    /** Every HTML report. The compliance report (issue 16 item 2, another branch) joins this list when it lands. */
    static List<Report> htmlReports() {
        return List.of(
                new Report("usage", "/v1/admin/reports/usage?tenant=stmarys&from=2026-11-21T00:00:00Z&to=2026-11-23T00:00:00Z"
                        + "&format=html", "Usage report"),
                new Report("patient-access", "/v1/admin/reports/patient-access?tenant=stmarys&patient_id=vip-1&format=html",
                        "Patient access report (accounting of disclosures)"));
    }

    @Test
    void eachReportRendersUnderItsPolicyWithNoScriptAndPrints() throws IOException {
        for (Report report : htmlReports()) {
            driver.get(w.base() + report.path());
            assertThat(driver.findElement(By.tagName("h1")).getText()).as(report.name()).isEqualTo(report.heading());
            assertThat(driver.findElements(By.cssSelector("table tbody tr"))).as(report.name()).isNotEmpty();
            assertThat(driver.executeScript("return window.__violations")).as(report.name() + ": CSP violations").asList()
                    .isEmpty();
            assertThat(driver.executeScript("return document.scripts.length + document.querySelectorAll('img,iframe,object').length"))
                    .as(report.name() + ": script or embedded elements").isEqualTo(0L);
            assertThat(driver.executeScript("return window.__pwned === undefined")).as(report.name() + ": a script ran").isEqualTo(true);
            // The page's one style sheet applies: its hash is the one the policy names.
            assertThat(driver.executeScript("return getComputedStyle(document.querySelector('th')).borderTopStyle"))
                    .as(report.name() + ": the style sheet applies").isEqualTo("solid");
            screenshot(report.name());
            Pdf pdf = driver.print(new PrintOptions());
            byte[] bytes = Base64.getDecoder().decode(pdf.getContent());
            assertThat(new String(bytes, 0, 5, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("%PDF-");
            Files.write(SHOTS.resolve("report-" + report.name() + ".pdf"), bytes);

            // And the watch sees a violation when there is one: an inline style the policy does not name is refused.
            driver.executeScript("const s = document.createElement('style'); s.textContent = 'body{display:none}';"
                    + "document.head.appendChild(s);");
            assertThat(untilViolations()).as(report.name()).anySatisfy(v -> assertThat(v.toString()).startsWith("style-src"));
            assertThat(driver.findElement(By.tagName("h1")).isDisplayed()).as(report.name() + ": the injected style held back")
                    .isTrue();
        }
    }

    @Test
    void hostileDataShowsAsText() {
        driver.get(w.base() + htmlReports().get(1).path());
        String text = driver.findElement(By.tagName("table")).getText();
        assertThat(text).contains("<script>window.__pwned=1</script>").contains("[U+202E]gpj.exe").contains(PURPOSE);
        assertThat(driver.findElement(By.tagName("body")).isDisplayed()).isTrue();
    }

    /** The violations the page reported; the event is dispatched asynchronously, so this waits for it a little. */
    private static List<?> untilViolations() {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            List<?> v = (List<?>) driver.executeScript("return window.__violations");
            if (!v.isEmpty() || System.nanoTime() > end) {
                return v;
            }
            try {
                Thread.sleep(50); // the browser dispatches securitypolicyviolation on its own task, after the insertion
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The whole page, beyond the window (DevTools' Page.captureScreenshot). */
    private static void screenshot(String name) throws IOException {
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                Map.of("format", "png", "captureBeyondViewport", true));
        Files.write(SHOTS.resolve("report-" + name + ".png"), Base64.getDecoder().decode((String) shot.get("data")));
    }
}
