package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;

/**
 * The admin console in headless Chromium (issue 16 item 3), against a Ward as shipped: the bootstrap administrator
 * must enrol MFA, so the first sign-in goes through enrolment (QR code, secret, backup codes) with codes computed by
 * {@link IndependentTotp}; the second through the MFA challenge. Then each page does one thing, and its effect is
 * read back over HTTP with an API key. A screenshot of each page goes to {@code target/browser/console-*.png}, and each
 * page photographed passes the automatic accessibility checks of {@code console-a11y.js} (labels, text alternatives,
 * heading order, contrast). Reports the console downloads land in {@code target/browser/downloads/}.
 *
 * <p>The tests run in order on one browser (a browser start costs seconds); each step leaves what the next needs.
 * Ward's clock stands still except where a test moves it to reach the next TOTP step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final String PASSWORD = "Harbour-Lantern-47!";
    static final Path SHOTS = Path.of("target", "browser");
    static final Path DOWNLOADS = SHOTS.resolve("downloads");
    /** The day Ward's clock stands on, and the 14 days the dashboard charts by default (UTC, the last one included). */
    static final String TODAY = "2026-11-22";
    static final String CHART_FROM = "2026-11-09T00:00:00Z";
    static final String CHART_TO = "2026-11-23T00:00:00Z";

    static TestWard w;
    static ChromeDriver driver;
    static String secret;
    static String adminKey;
    static String nurseToken;
    static String a11y;

    @BeforeAll
    static void start() throws IOException {
        HeadlessChromium.requireInstalled("ConsoleBrowserTest");
        w = TestWard.asShipped(TestWard.ADMIN_PASSWORD);
        Files.createDirectories(SHOTS);
        if (Files.exists(DOWNLOADS)) {
            try (Stream<Path> old = Files.walk(DOWNLOADS)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(DOWNLOADS);
        driver = HeadlessChromium.startSavingDownloads(1280, 900, DOWNLOADS);
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

    @Test
    @Order(1)
    void theBootstrapAdministratorEnrolsMfaThroughTheConsole() throws IOException {
        driver.get(w.base() + "/");
        shot("landing");
        driver.findElement(By.linkText("Admin console")).click();
        until("the sign-in form", () -> one(By.name("tenant")));
        shot("sign-in");
        signIn();
        WebElement qr = until("the enrolment page", () -> one(By.cssSelector("img.qr")));
        assertThat(qr.getAttribute("src")).startsWith("data:image/svg+xml;base64,");
        assertThat(until("the QR code drawn", () -> ((Long) driver.executeScript("return arguments[0].naturalWidth", qr)) > 0))
                .isTrue();
        secret = driver.findElement(By.id("totp-secret")).getText();
        assertThat(secret).matches("[A-Z2-7]{16,}");
        shot("enrolment");
        driver.findElement(By.name("code")).sendKeys(IndependentTotp.at(secret, w.clock.instant()));
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until("the backup codes", () -> one(By.id("backup-codes")));
        assertThat(driver.findElements(By.cssSelector("#backup-codes li"))).hasSize(10);
        driver.findElement(By.id("continue")).click();
        until("the dashboard", () -> heading().equals("Dashboard"));

        // The administrator, now enrolled, makes an admin API key over HTTP: everything after is read back with it.
        w.clock.advance(Duration.ofSeconds(30));
        var login = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "system", "username", "admin",
                "password", TestWard.ADMIN_PASSWORD)), null);
        assertThat(login.text("status")).isEqualTo("mfa_required");
        var verified = w.post("/v1/auth/mfa/verify", TestWard.json(Map.of("challenge", login.text("challenge"),
                "code", IndependentTotp.at(secret, w.clock.instant()))), null);
        assertThat(verified.status()).as(verified.raw()).isEqualTo(200);
        var key = w.post("/v1/admin/tenants/system/api-keys", TestWard.json(Map.of("name", "console test", "scopes",
                List.of("admin"))), verified.text("token"));
        adminKey = key.text("key");
        assertThat(w.get("/v1/admin/tenants/system/users", adminKey).json().path("users").get(0).path("mfa_enabled")
                .asBoolean()).isTrue();
        seed();
    }

    /** A tenant with a nurse signed in who broke the glass (an alert and a review item), and a clerk locked out. */
    private static void seed() {
        var tenant = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "stmarys", "name", "St Mary's",
                "policy", Map.of("mfa", Map.of("required_roles", List.of())))), adminKey);
        assertThat(tenant.status()).as(tenant.raw()).isEqualTo(201);
        for (String user : List.of("nurse", "clerk")) {
            assertThat(w.post("/v1/admin/tenants/stmarys/users", TestWard.json(Map.of("username", user, "password", PASSWORD,
                    "roles", List.of("provider"))), adminKey).status()).isEqualTo(201);
        }
        assertThat(w.post("/v1/admin/tenants/stmarys/users", TestWard.json(Map.of("username", "chief", "password", PASSWORD,
                "roles", List.of("admin"))), adminKey).status()).isEqualTo(201);
        String emr = w.post("/v1/admin/tenants/stmarys/api-keys", TestWard.json(Map.of("name", "emr", "scopes",
                List.of("patients"))), adminKey).text("key");
        assertThat(w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true, "care_team", List.of())), emr)
                .status()).isEqualTo(200);
        nurseToken = w.login("stmarys", "nurse", PASSWORD);
        var broken = w.post("/v1/session/patients/vip-1", TestWard.json(Map.of("break_glass", true,
                "reason", "Unconscious patient in ED, need allergies", "reason_code", "ETREAT")), nurseToken);
        assertThat(broken.status()).as(broken.raw()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "clerk", "password", "wrong")), null);
        }
        assertThat(user("clerk").path("status").asText()).isEqualTo("locked");
    }

    @Test
    @Order(2)
    void signingOutAndInAgainAsksForTheCode() throws IOException {
        driver.findElement(By.id("sign-out")).click();
        until("the sign-in form", () -> heading().equals("Sign in"));
        signIn();
        until("the code form", () -> heading().equals("Two-factor code"));
        shot("mfa-code");
        w.clock.advance(Duration.ofSeconds(30));
        driver.findElement(By.name("code")).sendKeys(IndependentTotp.at(secret, w.clock.instant()));
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until("the dashboard", () -> heading().equals("Dashboard"));
        until("the charts over time", () -> one(By.cssSelector("#history-alerts svg.chart")));
        String tiles = driver.findElement(By.className("tiles")).getText();
        // The nurse's session and the administrator's two (the console's and the API one); the break-glass alert.
        assertThat(tiles).contains("Active sessions\n3", "Open alerts\n1");
        assertThat(driver.findElements(By.cssSelector("svg.chart"))).hasSize(5);
        shot("dashboard");
    }

    @Test
    @Order(3)
    void dashboardChartsTheUsageReportAndAlertsPerDayReadOncePerAsking() throws IOException {
        // The header's tenant (system) first: the same numbers as the usage report Ward answers for it.
        assertThat(historyOf("system")).isEqualTo("system, 2026-11-09 to " + TODAY + " (UTC).");
        assertHistoryShows(List.of(usage("system")), "system");
        int before = consoleUsageReads("stmarys");

        chooseHistory("stmarys");
        historyOf("stmarys");
        JsonNode stmarys = usage("stmarys");
        JsonNode today = stmarys.path("days").get(13);
        assertThat(today.path("logins").path("failed").asInt()).as("the clerk's five wrong passwords").isEqualTo(5);
        assertHistoryShows(List.of(stmarys), "stmarys");
        assertThat(consoleUsageReads("stmarys")).as("one audited read for one Refresh").isEqualTo(before + 1);

        chooseHistory("*");
        historyOf("all tenants");
        assertHistoryShows(List.of(usage("system"), usage("stmarys")), null);
        assertThat(consoleUsageReads("stmarys")).isEqualTo(before + 2);
        assertThat(driver.findElement(By.cssSelector("#history-sessions .hint")).getText()).contains("sum of each tenant's peak");
        WebElement overTime = driver.findElement(By.cssSelector("section[aria-labelledby=over-time]"));
        overTime.findElement(By.cssSelector("#history-logins summary")).click();
        shot(overTime, "dashboard-over-time");
    }

    @Test
    @Order(4)
    void sessionsPageTerminatesTheNursesSession() throws IOException {
        go("sessions", "Sessions");
        WebElement terminate = until("the nurse's session", () -> one(By.xpath(
                "//button[starts-with(@aria-label, 'Terminate the session of nurse')]")));
        shot("sessions");
        terminate.click();
        until("the session gone from the list", () -> driver.findElements(By.xpath(
                "//button[starts-with(@aria-label, 'Terminate the session of nurse')]")).isEmpty());
        var gone = w.get("/v1/session", nurseToken);
        assertThat(gone.status()).isEqualTo(401);
        assertThat(gone.code()).isEqualTo("session_revoked");
    }

    @Test
    @Order(5)
    void usersPageUnlocksTheClerkAndCreatesAUser() throws IOException {
        chooseTenant("stmarys");
        go("users", "Users of stmarys");
        WebElement unlock = until("the clerk's unlock button", () -> one(By.cssSelector("button[aria-label='Unlock clerk']")));
        shot("users");
        unlock.click();
        until("the clerk active", () -> user("clerk").path("status").asText().equals("active"));

        driver.findElement(By.name("username")).sendKeys("porter");
        driver.findElement(By.name("password")).sendKeys("short");
        driver.findElement(By.xpath("//button[text()='Create user']")).click();
        WebElement error = errorBeside(driver.findElement(By.name("password")));
        assertThat(driver.findElement(By.name("password")).getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(error.getText()).isNotBlank();
        driver.findElement(By.name("password")).clear();
        driver.findElement(By.name("password")).sendKeys(PASSWORD);
        driver.findElement(By.xpath("//button[text()='Create user']")).click();
        until("the porter created", () -> w.get("/v1/admin/tenants/stmarys/users", adminKey).json().path("users")
                .findValuesAsText("username").contains("porter"));
    }

    @Test
    @Order(6)
    void alertsPageAcknowledgesTheBreakGlassAlert() throws IOException {
        go("alerts", "Alerts of stmarys");
        WebElement ack = until("the alert", () -> one(By.xpath("//button[starts-with(@aria-label, 'Acknowledge the break_glass')]")));
        driver.findElement(By.xpath("//button[starts-with(@aria-label, 'Deliveries of the break_glass')]")).click();
        until("its deliveries", () -> one(By.id("deliveries-heading")));
        shot("alerts");
        ack.click();
        until("no open alert", () -> w.get("/v1/admin/alerts?tenant=stmarys&status=open", adminKey).json().path("alerts").isEmpty());
        assertThat(w.get("/v1/admin/alerts?tenant=stmarys&status=acknowledged", adminKey).json().path("alerts")).hasSize(1);
    }

    @Test
    @Order(7)
    void auditPageSearchesAndVerifiesTheChain() throws IOException {
        go("audit", "Audit trail of stmarys");
        until("events", () -> driver.findElements(By.cssSelector("#audit-results tbody tr")).size() > 1);
        driver.findElement(By.name("type")).sendKeys("patient.break_glass");
        driver.findElement(By.xpath("//button[text()='Search']")).click();
        until("only the break-glass event", () -> {
            var rows = driver.findElements(By.cssSelector("#audit-results tbody tr"));
            return rows.size() == 1 && rows.get(0).getText().contains("patient.break_glass");
        });
        driver.findElement(By.id("audit-verify-button")).click();
        WebElement verdict = until("the verdict", () -> one(By.cssSelector("#audit-verify p")));
        assertThat(verdict.getText()).startsWith("Chain intact");
        assertThat(w.get("/v1/admin/audit/verify?tenant=stmarys", adminKey).json().path("ok").asBoolean()).isTrue();
        String csv = driver.findElement(By.linkText("CSV")).getAttribute("href");
        assertThat(csv).endsWith("/v1/admin/audit/export?tenant=stmarys&format=csv");
        shot("audit");
    }

    @Test
    @Order(8)
    void tenantsPageShowsTheServersValidationBesideThePolicyAndApplies() throws IOException {
        go("tenants", "Tenants and policy");
        WebElement text = until("the policy editor", () -> one(By.id("policy-patch")));
        replace(text, "{\"session\": {\"idle_timeout_secs\": 600}}");
        driver.findElement(By.xpath("//button[text()='Apply changes']")).click();
        WebElement error = errorBeside(text);
        assertThat(error.getText()).contains("idle_timeout_secs");
        shot("tenants");
        replace(driver.findElement(By.id("policy-patch")), "{\"session\": {\"idle_timeout_seconds\": 600}}");
        driver.findElement(By.xpath("//button[text()='Apply changes']")).click();
        until("the policy changed", () -> w.get("/v1/admin/tenants/stmarys", adminKey).json()
                .path("policy").path("session").path("idle_timeout_seconds").asInt() == 600);
        until("the page showing it", () -> driver.findElement(By.id("policy-current")).getText()
                .contains("\"idle_timeout_seconds\": 600"));
    }

    @Test
    @Order(9)
    void apiKeysPageShowsANewKeyOnceAndRevokes() throws IOException {
        go("api-keys", "API keys of stmarys");
        until("the form", () -> one(By.name("name"))).sendKeys("pharmacy");
        driver.findElement(By.id("scope-sessions")).click();
        driver.findElement(By.xpath("//button[text()='Create key']")).click();
        String key = until("the key", () -> one(By.id("api-key-secret"))).getText();
        assertThat(key).startsWith("wak_");
        shot("api-keys");
        assertThat(w.post("/v1/sessions/validate", TestWard.json(Map.of("token", "wst_nothing")), key).code())
                .as("the key works").isEqualTo("session_invalid");
        driver.findElement(By.cssSelector("button[aria-label='Revoke the key pharmacy']")).click();
        until("the key revoked", () -> {
            for (JsonNode k : w.get("/v1/admin/tenants/stmarys/api-keys", adminKey).json().path("api_keys")) {
                if (k.path("name").asText().equals("pharmacy")) {
                    return !k.path("revoked_at").isNull();
                }
            }
            return false;
        });
        var refused = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", "wst_nothing")), key);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.code()).as("the key itself refused now").isNotEqualTo("session_invalid");
        assertThat(driver.findElement(By.id("api-key-created")).getText()).contains(key);
        go("dashboard", "Dashboard");
        go("api-keys", "API keys of stmarys");
        assertThat(driver.findElement(By.tagName("main")).getText()).as("shown once").doesNotContain(key);
    }

    @Test
    @Order(10)
    void keysPageRotatesAndDestroysBehindWardsChecks() throws IOException {
        go("keys", "Encryption keys of stmarys");
        // The tenant's first version is made on first use (or here, by the first rotation).
        int before = w.get("/v1/admin/tenants/stmarys/keys", adminKey).json().path("versions").size();
        until("the versions", () -> driver.findElement(By.id("keys-results")).getText().contains(before == 0 ? "None." : "primary"));
        driver.findElement(By.id("keys-rotate")).click();
        until("the new primary", () -> w.get("/v1/admin/tenants/stmarys/keys", adminKey).json().path("versions").size() == before + 1);
        driver.findElement(By.id("keys-rotate")).click();
        until("another", () -> driver.findElements(By.cssSelector("#keys-results tbody tr")).size() == before + 2);
        JsonNode versions = w.get("/v1/admin/tenants/stmarys/keys", adminKey).json().path("versions");
        assertThat(versions.findValuesAsText("state")).containsOnly("primary", "active").containsOnlyOnce("primary");
        for (JsonNode v : versions) {
            assertThat(v.path("state").asText()).as("version " + v.path("version"))
                    .isEqualTo(v.path("version").asInt() == before + 2 ? "primary" : "active");
        }
        shot("keys");

        // Destroying the version just demoted: Ward's freshness check refuses, and the console says why beside it.
        int old = before + 1;
        WebElement confirm = driver.findElement(By.id("destroy-" + old));
        confirm.sendKeys(String.valueOf(old));
        driver.findElement(By.xpath("//button[text()='Destroy version " + old + "']")).click();
        until("the refusal", () -> driver.findElement(By.id("keys-results")).getText().contains("was the primary until"));
        w.clock.advance(Duration.ofSeconds(11));
        driver.findElement(By.xpath("//button[text()='Destroy version " + old + "']")).click();
        until("the version destroyed", () -> {
            for (JsonNode v : w.get("/v1/admin/tenants/stmarys/keys", adminKey).json().path("versions")) {
                if (v.path("version").asInt() == old) {
                    return v.path("state").asText().equals("destroyed");
                }
            }
            return false;
        });
        until("the page showing it", () -> driver.findElements(By.id("destroy-" + old)).isEmpty());
    }

    @Test
    @Order(11)
    void breakGlassPageRecordsTheReview() throws IOException {
        go("break-glass", "Break-glass review, stmarys");
        WebElement note = until("the opening", () -> one(By.cssSelector("#break-glass-results input[name=note]")));
        assertThat(driver.findElement(By.id("break-glass-results")).getText()).contains("nurse", "vip-1", "ETREAT");
        shot("break-glass");
        note.sendKeys("Confirmed with the ED consultant");
        driver.findElement(By.xpath("//button[text()='Record review']")).click();
        until("the review recorded", () -> {
            JsonNode items = w.get("/v1/admin/break-glass?tenant=stmarys&status=reviewed", adminKey).json().path("break_glass");
            return items.size() == 1 && items.get(0).path("justified").asBoolean();
        });
    }

    @Test
    @Order(12)
    void reportsPageDownloadsTheUsageReportAsCsv() throws IOException {
        go("reports", "Reports");
        until("the period from Ward's clock", () -> TODAY.equals(driver.findElement(By.id("report-to")).getAttribute("value")));
        assertThat(driver.findElement(By.id("report-from")).getAttribute("value")).isEqualTo("2026-10-24");
        assertThat(driver.findElement(By.id("report-patient")).isDisplayed()).as("no patient for the usage report").isFalse();

        // A period that ends before it begins: Ward's refusal, beside the field it names.
        fillReport("usage", "stmarys", "", TODAY, "2026-11-20", "csv");
        driver.findElement(By.id("report-download-button")).click();
        assertThat(errorBeside(driver.findElement(By.id("report-to"))).getText()).contains("after from");

        int before = consoleUsageReads("stmarys");
        fillReport("usage", "stmarys", "", "2026-11-21", TODAY, "csv");
        forgetRequests();
        driver.findElement(By.id("report-download-button")).click();
        Path saved = downloaded("ward-usage-stmarys-2026-11-21-to-" + TODAY + ".csv");
        String query = "?tenant=stmarys&format=csv&from=2026-11-21T00:00:00Z&to=2026-11-23T00:00:00Z";
        assertThat(reportRequests()).containsExactly("/v1/admin/reports/usage" + query);
        var direct = w.get("/v1/admin/reports/usage" + query, adminKey);
        assertThat(direct.status()).isEqualTo(200);
        String csv = Files.readString(saved, StandardCharsets.UTF_8);
        assertThat(csv).startsWith("date,logins_succeeded,logins_failed,").contains("\r\n" + TODAY + ",").isEqualTo(direct.raw());
        assertThat(consoleUsageReads("stmarys")).as("one download, one audited read").isEqualTo(before + 1);
        assertThat(driver.findElement(By.id("report-result")).getText()).contains("report is ready");
        assertThat(driver.findElement(By.id("report-file")).getAttribute("href")).startsWith("blob:" + w.base());
        assertNoPolicyViolations();
        shot("reports");
    }

    /** The compliance report, as HTML: the page sends the period as UTC days and saves what Ward answers. */
    @Test
    @Order(13)
    void reportsPageAsksForTheComplianceReport() throws IOException {
        go("reports", "Reports");
        fillReport("compliance", "stmarys", "", "2026-11-01", TODAY, "html");
        forgetRequests();
        driver.findElement(By.id("report-download-button")).click();
        String path = "/v1/admin/reports/compliance?tenant=stmarys&format=html&from=2026-11-01T00:00:00Z&to=2026-11-23T00:00:00Z";
        assertSentOrSaved(path, "ward-compliance-stmarys-2026-11-01-to-" + TODAY + ".html", "compliance");
        assertNoPolicyViolations();
    }

    /** The patient-access report: the patient id is asked for before anything is sent; then as above. */
    @Test
    @Order(14)
    void reportsPageAsksForThePatientAccessReport() throws IOException {
        go("reports", "Reports");
        fillReport("patient-access", "stmarys", "", "2026-11-01", TODAY, "csv");
        WebElement patient = driver.findElement(By.id("report-patient"));
        assertThat(patient.isDisplayed()).isTrue();
        forgetRequests();
        driver.findElement(By.id("report-download-button")).click();
        assertThat(errorBeside(patient).getText()).isEqualTo("Enter the patient id.");
        assertThat(reportRequests()).as("nothing sent without a patient").isEmpty();

        patient.sendKeys("vip-1");
        // Keyboard only from here: the button is reached with Tab, its focus drawn, and Enter presses it.
        WebElement button = driver.findElement(By.id("report-download-button"));
        driver.executeScript("arguments[0].focus()", driver.findElement(By.id("report-format")));
        driver.switchTo().activeElement().sendKeys(Keys.TAB);
        assertThat(driver.switchTo().activeElement()).isEqualTo(button);
        assertThat(button.getCssValue("outline-style")).as("focus visible").isEqualTo("solid");
        button.sendKeys(Keys.ENTER);
        String path = "/v1/admin/reports/patient-access?tenant=stmarys&patient_id=vip-1&format=csv&from=2026-11-01T00:00:00Z"
                + "&to=2026-11-23T00:00:00Z";
        assertSentOrSaved(path, "ward-patient-access-stmarys-vip-1-2026-11-01-to-" + TODAY + ".csv", "patient access");
        assertNoPolicyViolations();
    }

    @Test
    @Order(15)
    void dataFromTheApiIsShownAsText() {
        // A key name that is markup: it must appear as the characters, and make no element.
        assertThat(w.post("/v1/admin/tenants/stmarys/api-keys", TestWard.json(Map.of("name", "<img src=x id=injected>",
                "scopes", List.of("sessions"))), adminKey).status()).isEqualTo(201);
        go("api-keys", "API keys of stmarys");
        until("the odd name", () -> driver.findElement(By.id("api-keys-results")).getText().contains("<img src=x id=injected>"));
        assertThat(driver.findElements(By.id("injected"))).isEmpty();
    }

    @Test
    @Order(16)
    void aSessionEndedElsewhereReturnsToSignInAndATenantAdministratorSeesOnlyTheirTenant() throws IOException {
        // The console's session ended from outside (here an administrator's API call): the next call's 401 signs it out.
        String adminId = w.get("/v1/admin/tenants/system/users", adminKey).json().path("users").get(0).path("id").asText();
        for (JsonNode session : w.get("/v1/admin/sessions?tenant=system&user_id=" + adminId, adminKey).json().path("sessions")) {
            if (session.path("client").path("user_agent").asText().contains("HeadlessChrome")) {
                assertThat(w.delete("/v1/admin/sessions/" + session.path("id").asText(), adminKey).status()).isEqualTo(204);
            }
        }
        driver.findElement(By.linkText("Sessions")).click();
        until("the sign-in form", () -> heading().equals("Sign in"));
        assertThat(driver.findElement(By.tagName("main")).getText()).contains("Your session has ended");
        signIn("stmarys", "chief", PASSWORD);
        until("the page the console was on", () -> heading().equals("Sessions"));
        go("dashboard", "Dashboard");
        until("the counts", () -> !driver.findElements(By.cssSelector("svg.chart")).isEmpty());
        assertThat(driver.findElements(By.cssSelector("#tenant-choice option"))).extracting(WebElement::getText)
                .containsExactly("stmarys");
        until("the charts over time", () -> one(By.cssSelector("#history-alerts svg.chart")));
        assertThat(driver.findElements(By.cssSelector("#history-tenant option"))).extracting(WebElement::getText)
                .containsExactly("stmarys");
        go("reports", "Reports");
        assertThat(driver.findElements(By.cssSelector("#report-tenant option"))).extracting(WebElement::getText)
                .containsExactly("stmarys");
        go("sessions", "Sessions");
        until("the chief's own session", () -> driver.findElement(By.id("sessions-results")).getText().contains("this session"));
        assertThat(driver.findElement(By.id("sessions-results")).getText()).doesNotContain("system");
        shot("tenant-admin");
    }

    /** The charts' own tables (one row per day) against the usage reports Ward answers, added up, and the alerts list. */
    private static void assertHistoryShows(List<JsonNode> reports, String alertsOf) {
        List<List<String>> logins = rows("#history-logins");
        List<List<String>> sessions = rows("#history-sessions");
        assertThat(logins).hasSize(14);
        assertThat(sessions).hasSize(14);
        for (int i = 0; i < 14; i++) {
            long[] sums = new long[6];
            for (JsonNode report : reports) {
                JsonNode d = report.path("days").get(i);
                sums[0] += d.path("logins").path("succeeded").asLong();
                sums[1] += d.path("logins").path("mfa_required").asLong();
                sums[2] += d.path("logins").path("failed").asLong();
                sums[3] += d.path("peak_concurrency").asLong();
                sums[4] += d.path("sessions").asLong();
                sums[5] += d.path("distinct_users").asLong();
            }
            String date = reports.get(0).path("days").get(i).path("date").asText();
            assertThat(logins.get(i)).containsExactly(date, "" + sums[0], "" + sums[1], "" + sums[2]);
            assertThat(sessions.get(i)).containsExactly(date, "" + sums[3], "" + sums[4], "" + sums[5]);
        }
        JsonNode alerts = w.get("/v1/admin/alerts?limit=1000" + (alertsOf == null ? "" : "&tenant=" + alertsOf), adminKey)
                .json().path("alerts");
        for (List<String> row : rows("#history-alerts")) {
            List<String> expected = new ArrayList<>(List.of(row.get(0)));
            for (String severity : List.of("low", "medium", "high", "critical")) {
                int n = 0;
                for (JsonNode a : alerts) {
                    n += a.path("at").asText().startsWith(row.get(0)) && a.path("severity").asText().equals(severity) ? 1 : 0;
                }
                expected.add("" + n);
            }
            assertThat(row).as("alerts of " + row.get(0)).isEqualTo(expected);
        }
    }

    private static JsonNode usage(String tenant) {
        var report = w.get("/v1/admin/reports/usage?tenant=" + tenant + "&from=" + CHART_FROM + "&to=" + CHART_TO, adminKey);
        assertThat(report.status()).as(report.raw()).isEqualTo(200);
        return report.json();
    }

    /** How many times a signed-in user (the console, not the test's API key) read the tenant's usage report. */
    private static int consoleUsageReads(String tenant) {
        int reads = 0;
        for (JsonNode e : w.get("/v1/admin/audit?tenant=" + tenant + "&type=audit.exported&limit=1000", adminKey).json()
                .path("events")) {
            if (e.path("details").path("format").asText().equals("usage_report") && e.path("actor").asText().startsWith("user:")) {
                reads++;
            }
        }
        return reads;
    }

    /** Waits for the charts over time of that tenant (or all) to be drawn; the line that says whose they are. */
    private static String historyOf(String whose) {
        return until("the charts over time of " + whose, () -> {
            WebElement period = one(By.id("history-period"));
            return period != null && period.getText().startsWith(whose + ",") ? period.getText() : null;
        });
    }

    private static void chooseHistory(String tenant) {
        driver.findElement(By.cssSelector("#history-tenant option[value='" + tenant + "']")).click();
        driver.findElement(By.id("history-refresh")).click();
    }

    /** A table's cells, row by row, read from the DOM (a closed details element hides them from getText). */
    @SuppressWarnings("unchecked")
    private static List<List<String>> rows(String container) {
        return (List<List<String>>) driver.executeScript("return [...document.querySelectorAll(arguments[0] + ' tbody tr')]"
                + ".map(r => [...r.cells].map(c => c.textContent))", container);
    }

    private static void fillReport(String report, String tenant, String patient, String from, String to, String format) {
        driver.findElement(By.cssSelector("#report-kind option[value='" + report + "']")).click();
        driver.findElement(By.cssSelector("#report-tenant option[value='" + tenant + "']")).click();
        if (report.equals("patient-access")) {
            replace(driver.findElement(By.id("report-patient")), patient);
        }
        driver.executeScript("arguments[0].value = arguments[1]; arguments[2].value = arguments[3]",
                driver.findElement(By.id("report-from")), from, driver.findElement(By.id("report-to")), to);
        driver.findElement(By.cssSelector("#report-format option[value='" + format + "']")).click();
    }

    private static void forgetRequests() {
        driver.executeScript("performance.clearResourceTimings()");
    }

    /** The report requests the page made since {@link #forgetRequests}: path and decoded query. */
    @SuppressWarnings("unchecked")
    private static List<String> reportRequests() {
        return (List<String>) driver.executeScript("return performance.getEntriesByType('resource').map(e => new URL(e.name))"
                + ".filter(u => u.pathname.startsWith('/v1/admin/reports/')).map(u => u.pathname + decodeURIComponent(u.search))");
    }

    /** The page asked Ward for {@code path} once, with no error shown, and saved the file Ward answers with. */
    private static void assertSentOrSaved(String path, String fileName, String report) throws IOException {
        WebElement error = driver.findElement(By.cssSelector("#report-form .form-error"));
        until("the answer", () -> one(By.id("report-file")) != null || !error.getText().isEmpty());
        assertThat(reportRequests()).containsExactly(path);
        assertThat(error.getText()).as("the " + report + " report").isEmpty();
        var direct = w.get(path, adminKey);
        assertThat(direct.status()).as(direct.raw()).isEqualTo(200);
        Path saved = downloaded(fileName);
        assertThat(Files.readString(saved, StandardCharsets.UTF_8).lines().findFirst())
                .isEqualTo(direct.raw().lines().findFirst());
    }

    /** A file the page saved, once Chromium has finished writing it. */
    private static Path downloaded(String name) {
        Path file = DOWNLOADS.resolve(name);
        return until("the download of " + name, () -> Files.exists(file) && !Files.exists(DOWNLOADS.resolve(name + ".crdownload"))
                ? file : null);
    }

    /** Chromium reports what the page's policy (CSP, Trusted Types) refused in its console: nothing may be. */
    private static void assertNoPolicyViolations() {
        List<String> refused = new ArrayList<>();
        for (LogEntry e : driver.manage().logs().get("browser")) {
            if (e.getMessage().contains("Content Security Policy") || e.getMessage().contains("Trusted Type")) {
                refused.add(e.getMessage());
            }
        }
        assertThat(refused).isEmpty();
    }

    private static void signIn() {
        signIn("system", "admin", TestWard.ADMIN_PASSWORD);
    }

    private static void signIn(String tenantId, String username, String password) {
        WebElement tenant = until("the sign-in form", () -> one(By.name("tenant")));
        replace(tenant, tenantId);
        driver.findElement(By.name("username")).sendKeys(username);
        driver.findElement(By.name("password")).sendKeys(password);
        driver.findElement(By.cssSelector("button[type=submit]")).click();
    }

    private static void chooseTenant(String tenant) {
        driver.findElement(By.cssSelector("#tenant-choice option[value='" + tenant + "']")).click();
    }

    private static void go(String page, String heading) {
        driver.get(w.base() + "/console/#/" + page);
        until("the " + page + " page", () -> heading().equals(heading));
    }

    /** The message the console shows under a field once Ward has refused it. */
    private static WebElement errorBeside(WebElement control) {
        return until("the message beside " + control.getAttribute("name"), () -> {
            WebElement e = one(By.id(control.getAttribute("id") + "-error"));
            return e != null && !e.getText().isEmpty() ? e : null;
        });
    }

    private static String heading() {
        WebElement h1 = one(By.cssSelector("main h1"));
        return h1 == null ? "" : h1.getText();
    }

    private static void replace(WebElement input, String text) {
        input.clear();
        input.sendKeys(text);
    }

    private static JsonNode user(String username) {
        for (JsonNode u : w.get("/v1/admin/tenants/stmarys/users", adminKey).json().path("users")) {
            if (u.path("username").asText().equals(username)) {
                return u;
            }
        }
        throw new AssertionError("no user " + username);
    }

    private static WebElement one(By by) {
        return HeadlessChromium.one(driver, by);
    }

    private static <T> T until(String what, Supplier<T> probe) {
        return HeadlessChromium.until(driver, what, probe);
    }

    /** A screenshot of the page as the browser shows it, once it passes the accessibility checks. */
    private static void shot(String page) throws IOException {
        assertAccessible();
        Files.write(SHOTS.resolve("console-" + page + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }

    /** A screenshot of one part of the page, whole: the window is made narrower, and as tall as the page, for it. */
    private static void shot(WebElement part, String name) throws IOException {
        assertAccessible();
        Dimension size = driver.manage().window().getSize();
        driver.manage().window().setSize(new Dimension(1000, size.getHeight()));
        long height = (Long) driver.executeScript("return document.documentElement.scrollHeight");
        driver.manage().window().setSize(new Dimension(1000, (int) height + 100));
        try {
            Files.write(SHOTS.resolve("console-" + name + ".png"), part.getScreenshotAs(OutputType.BYTES));
        } finally {
            driver.manage().window().setSize(size);
        }
    }

    private static void assertAccessible() throws IOException {
        if (a11y == null) {
            try (var in = ConsoleBrowserTest.class.getResourceAsStream("/console-a11y.js")) {
                a11y = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        assertThat((List<?>) driver.executeScript(a11y)).as("accessibility of " + driver.getCurrentUrl()).isEmpty();
    }
}
