package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The admin console in headless Chromium (issue 16 item 3), against a Ward as shipped: the bootstrap administrator
 * must enrol MFA, so the first sign-in goes through enrolment (QR code, secret, backup codes) with codes computed by
 * {@link IndependentTotp}; the second through the MFA challenge. Then each page does one thing, and its effect is
 * read back over HTTP with an API key. A screenshot of each page goes to {@code target/browser/console-*.png}.
 *
 * <p>The tests run in order on one browser (a browser start costs seconds); each step leaves what the next needs.
 * Ward's clock stands still except where a test moves it to reach the next TOTP step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final String PASSWORD = "Harbour-Lantern-47!";
    static final Path SHOTS = Path.of("target", "browser");

    static TestWard w;
    static ChromeDriver driver;
    static String secret;
    static String adminKey;
    static String nurseToken;

    @BeforeAll
    static void start() throws IOException {
        HeadlessChromium.requireInstalled("ConsoleBrowserTest");
        w = TestWard.asShipped(TestWard.ADMIN_PASSWORD);
        Files.createDirectories(SHOTS);
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

    @Test
    @Order(1)
    void theBootstrapAdministratorEnrolsMfaThroughTheConsole() throws IOException {
        driver.get(w.base() + "/");
        shot("landing");
        driver.findElement(By.linkText("Admin console")).click();
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
        w.clock.advance(Duration.ofSeconds(30));
        driver.findElement(By.name("code")).sendKeys(IndependentTotp.at(secret, w.clock.instant()));
        driver.findElement(By.cssSelector("button[type=submit]")).click();
        until("the dashboard", () -> heading().equals("Dashboard"));
        until("the counts", () -> !driver.findElements(By.cssSelector("svg.chart")).isEmpty());
        String tiles = driver.findElement(By.className("tiles")).getText();
        // The nurse's session and the administrator's two (the console's and the API one); the break-glass alert.
        assertThat(tiles).contains("Active sessions\n3", "Open alerts\n1");
        assertThat(driver.findElements(By.cssSelector("svg.chart"))).hasSize(2);
        shot("dashboard");
    }

    @Test
    @Order(3)
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
    @Order(4)
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
    @Order(5)
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
    @Order(6)
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
    @Order(7)
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
    @Order(8)
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
    @Order(9)
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
    @Order(10)
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
    @Order(11)
    void dataFromTheApiIsShownAsText() {
        // A key name that is markup: it must appear as the characters, and make no element.
        assertThat(w.post("/v1/admin/tenants/stmarys/api-keys", TestWard.json(Map.of("name", "<img src=x id=injected>",
                "scopes", List.of("sessions"))), adminKey).status()).isEqualTo(201);
        go("api-keys", "API keys of stmarys");
        until("the odd name", () -> driver.findElement(By.id("api-keys-results")).getText().contains("<img src=x id=injected>"));
        assertThat(driver.findElements(By.id("injected"))).isEmpty();
    }

    @Test
    @Order(12)
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
        go("sessions", "Sessions");
        until("the chief's own session", () -> driver.findElement(By.id("sessions-results")).getText().contains("this session"));
        assertThat(driver.findElement(By.id("sessions-results")).getText()).doesNotContain("system");
        shot("tenant-admin");
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

    private static void shot(String page) throws IOException {
        Files.write(SHOTS.resolve("console-" + page + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    }
}
