package dev.ward.example.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.client.PatientContext;
import dev.ward.client.WardClient;
import dev.ward.server.HeadlessChromium;
import dev.ward.server.IndependentTotp;
import dev.ward.server.RealTime;
import dev.ward.server.TestWard;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A clinician walks through the clinic portal in a real browser (Debian's headless Chromium through chromedriver),
 * against a real Ward and the portal in this JVM: first sign-in with TOTP enrolment (codes computed from the secret
 * the page shows, by {@link IndependentTotp}), sign-in with the code, a chart (its patient context opened and the chart
 * cached in it), a restricted patient opened by breaking the glass, a closed tab clearing the contexts, and an idle
 * sign-out. Each step is checked in Ward through its API. One browser for the class; the steps run in order and build
 * on each other. Screenshots: {@code target/browser/portal-*.png}.
 *
 * <p>Ward's clock follows real time (the browser's timers are real), plus an offset the test moves forward 30 s
 * before each new sign-in: Ward does not take the same TOTP code twice, and the next code is a time step away.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClinicPortalBrowserTest {
    static final String TENANT = "clinic";
    static final String SETUP_PASSWORD = "Setup-Admin-Pw-71!";
    static final int WARN_SECONDS = 4;
    static final int IDLE_SECONDS = 8;

    static TestWard w;
    static RealTime realTime;
    static DemoSetup.Demo demo;
    static ClinicPortal portal;
    static WardClient client;
    static ChromeDriver driver;
    static String adminKey;
    static String totpSecret;

    @BeforeAll
    static void start() throws Exception {
        HeadlessChromium.requireInstalled("ClinicPortalBrowserTest");
        driver = HeadlessChromium.start(1000, 800);
        w = new TestWard();
        // As ./ward example makes it: providers need MFA; a set-up administrator (no MFA) that DemoSetup disables.
        w.createTenant(TENANT, Map.of("mfa", Map.of("required_roles", List.of("provider"))));
        w.createUser(TENANT, "portal-setup", SETUP_PASSWORD, "admin");
        demo = new DemoSetup(w.base(), TENANT).runAsSetupAdmin("portal-setup", SETUP_PASSWORD);
        adminKey = w.createApiKey("system", "admin");
        client = WardClient.builder(w.base()).apiKey(demo.apiKey()).requestTimeout(Duration.ofSeconds(30)).build();
        portal = ClinicPortal.start(new ClinicPortal.Settings(w.base(), demo.apiKey(), TENANT, "127.0.0.1", 0,
                Duration.ofSeconds(30), WARN_SECONDS, 300));

        realTime = new RealTime(w.clock);
    }

    @AfterAll
    static void stop() throws Exception {
        if (realTime != null) {
            realTime.close();
        }
        if (driver != null) {
            driver.quit();
        }
        if (portal != null) {
            portal.close();
        }
        if (w != null) {
            w.close();
        }
    }

    @Test
    @Order(1)
    void theSetUpAdministratorIsDisabledOnceThePortalHasItsKey() {
        var users = w.get("/v1/admin/audit?tenant=" + TENANT + "&type=admin.user_disabled", adminKey);
        assertThat(users.status()).isEqualTo(200);
        assertThat(users.json().path("events")).hasSize(1);
        var login = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", TENANT, "username", "portal-setup",
                "password", SETUP_PASSWORD)), null);
        assertThat(login.code()).isEqualTo("invalid_credentials");
    }

    @Test
    @Order(2)
    void aClinicianEnrolsAnAuthenticatorOnFirstSignIn() throws IOException {
        driver.get(portal.url() + "/patients/pat-1001");
        waitFor("the sign-in page", () -> driver.getCurrentUrl().contains("/login?next="));
        signInWithPassword();
        waitFor("the enrolment page", () -> driver.getCurrentUrl().contains("/mfa/enroll"));
        String src = driver.findElement(By.id("qr")).getAttribute("src");
        assertThat(src).startsWith("data:image/svg+xml;base64,");
        assertThat(new String(Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1)), StandardCharsets.UTF_8)).contains("<svg");
        totpSecret = driver.findElement(By.id("secret")).getText().replace(" ", "");
        screenshot("portal-enrolment");

        driver.findElement(By.id("code")).sendKeys(IndependentTotp.at(totpSecret, w.clock.instant()));
        driver.findElement(By.id("confirm")).click();
        waitFor("the backup codes", () -> !driver.findElements(By.id("backup-codes")).isEmpty());
        assertThat(driver.findElements(By.cssSelector("#backup-codes li"))).hasSize(10);
        driver.findElement(By.id("continue")).click();
        waitFor("the chart the clinician asked for", () -> driver.getCurrentUrl().endsWith("/patients/pat-1001"));
        assertThat(audit("mfa.enrolled")).hasSize(1);
        assertThat(session().path("aal").asInt()).isEqualTo(2);
    }

    @Test
    @Order(3)
    void signingInAgainAsksForTheAuthenticatorsCode() {
        String before = token();
        signOut();
        waitFor("the signed-out notice", () -> driver.getCurrentUrl().contains("signed_out=logout"));
        assertThat(driver.findElement(By.id("notice")).getText()).contains("signed out");
        assertThat(w.get("/v1/admin/sessions?tenant=" + TENANT, adminKey).json().path("sessions")).isEmpty();
        assertThat(before).startsWith("wst_");

        realTime.skip(Duration.ofSeconds(30));
        driver.get(portal.url() + "/patients/");
        signInWithPassword();
        waitFor("the code page", () -> !driver.findElements(By.id("verify")).isEmpty());
        String code = IndependentTotp.at(totpSecret, w.clock.instant());
        driver.findElement(By.id("code")).sendKeys(String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000));
        driver.findElement(By.id("verify")).click();
        waitFor("the wrong code refused", () -> !driver.findElements(By.id("error")).isEmpty());
        driver.findElement(By.id("code")).sendKeys(IndependentTotp.at(totpSecret, w.clock.instant()));
        driver.findElement(By.id("verify")).click();
        waitFor("the patient list", () -> !driver.findElements(By.id("patients")).isEmpty());
        assertThat(driver.findElements(By.cssSelector("#patients tbody tr"))).hasSize(Patients.ALL.size());
        assertThat(audit("mfa.failed")).hasSize(1);
        screenshot("portal-patients");
    }

    @Test
    @Order(4)
    void aChartOpensAPatientContextAndCachesTheChartInIt() {
        int written = audit("patient.data_written").size();
        driver.findElement(By.id("open-pat-1001")).click();
        waitFor("the chart", () -> !driver.findElements(By.id("chart")).isEmpty());
        assertThat(driver.findElement(By.id("chart")).getText()).contains("penicillin", "metformin");
        assertThat(openContexts()).containsExactly("pat-1001");
        JsonNode cached = client.getPatientData(token(), "pat-1001", PatientPages.CHART).value();
        assertThat(cached.path("allergies").get(0).asText()).isEqualTo("penicillin");
        assertThat(audit("patient.data_written")).hasSize(written + 1);
        screenshot("portal-chart");

        // Links, not driver.get: ward.js takes a page left any other way for the tab closing, and clears the contexts.
        allPatients();
        driver.findElement(By.id("open-pat-1001")).click();
        waitFor("the chart again", () -> !driver.findElements(By.id("chart")).isEmpty());
        assertThat(audit("patient.data_written")).as("the second view reads the cache").hasSize(written + 1);
    }

    @Test
    @Order(5)
    void aRestrictedPatientOpensOnlyByBreakingTheGlassWithAReason() {
        allPatients();
        driver.findElement(By.id("open-pat-1003")).click();
        waitFor("the break-glass form", () -> !driver.findElements(By.id("reason")).isEmpty());
        assertThat(driver.findElements(By.id("chart"))).as("no chart before the glass is broken").isEmpty();
        assertThat(openContexts()).containsExactly("pat-1001");
        driver.findElement(By.id("reason")).sendKeys("Unconscious in A&E; need her allergies before treatment");
        screenshot("portal-break-glass");
        driver.findElement(By.id("break-glass-submit")).click();
        waitFor("the chart behind the glass", () -> !driver.findElements(By.id("chart")).isEmpty());
        assertThat(driver.findElement(By.id("break-glass")).getText()).contains("breaking the glass");
        assertThat(driver.findElement(By.id("chart")).getText()).contains("latex");

        JsonNode items = w.get("/v1/admin/break-glass?tenant=" + TENANT + "&status=open", adminKey).json().path("break_glass");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).path("patient_id").asText()).isEqualTo("pat-1003");
        assertThat(items.get(0).path("username").asText()).isEqualTo(DemoSetup.CLINICIAN);
        assertThat(items.get(0).path("reason").asText()).isEqualTo("Unconscious in A&E; need her allergies before treatment");
        assertThat(items.get(0).path("reason_code").asText()).isEqualTo("ETREAT");
        JsonNode alerts = w.get("/v1/admin/alerts?tenant=" + TENANT, adminKey).json().path("alerts");
        assertThat(alerts.findValuesAsText("type")).contains("break_glass");
        screenshot("portal-chart-break-glass");

        allPatients();
        driver.findElement(By.id("open-pat-1003")).click();
        waitFor("the chart, without breaking the glass again", () -> !driver.findElements(By.id("chart")).isEmpty());
        assertThat(audit("patient.break_glass")).hasSize(1);
        assertThat(openContexts()).containsExactlyInAnyOrder("pat-1001", "pat-1003");
    }

    @Test
    @Order(6)
    void closingTheTabClearsThePatientContexts() {
        String home = driver.getWindowHandle();
        driver.switchTo().newWindow(WindowType.TAB);
        driver.get(portal.url() + "/patients/pat-1002");
        waitFor("the third chart", () -> !driver.findElements(By.id("chart")).isEmpty());
        assertThat(openContexts()).containsExactlyInAnyOrder("pat-1001", "pat-1002", "pat-1003");
        driver.close(); // pagehide: ward.js's beacon goes to /ward on the portal, which clears them in Ward
        driver.switchTo().window(home);
        waitFor("the contexts cleared by the beacon", () -> openContexts().isEmpty());
        assertThat(client.listPatients(token()).value()).as("the session lives on, with no contexts").isEmpty();
        assertThat(audit("patient.cleared")).isNotEmpty();
    }

    @Test
    @Order(7)
    void anIdleClinicianIsWarnedAndThenSignedOut() throws IOException {
        var patch = w.patch("/v1/admin/tenants/" + TENANT, TestWard.json(Map.of("policy",
                Map.of("session", Map.of("idle_timeout_seconds", IDLE_SECONDS)))), adminKey);
        assertThat(patch.status()).isEqualTo(200);
        // The idle timeout is the session's from its sign-in: sign in again under the short one.
        signOut();
        waitFor("the sign-in page", () -> driver.getCurrentUrl().contains("signed_out=logout"));
        realTime.skip(Duration.ofSeconds(30));
        signInWithPassword();
        waitFor("the code page", () -> !driver.findElements(By.id("verify")).isEmpty());
        driver.findElement(By.id("code")).sendKeys(IndependentTotp.at(totpSecret, w.clock.instant()));
        driver.findElement(By.id("verify")).click();
        waitFor("the patient list", () -> !driver.findElements(By.id("patients")).isEmpty());
        String token = token();

        waitFor("the idle warning", () -> !driver.findElements(By.cssSelector("[role=alertdialog]")).isEmpty());
        assertThat(driver.findElement(By.cssSelector("[role=alertdialog]")).getText()).contains("signed out in");
        screenshot("portal-idle-warning");
        waitFor("the sign-in page after the idle timeout", () -> driver.getCurrentUrl().contains("signed_out=idle_timeout"));
        assertThat(driver.findElement(By.id("notice")).getText()).contains("inactivity");
        assertThat(driver.findElements(By.id("patients"))).isEmpty();
        var gone = w.get("/v1/session", token);
        assertThat(gone.status()).isEqualTo(401);
        assertThat(driver.manage().getCookieNamed("ward_session")).as("the portal dropped its cookie").isNull();
        screenshot("portal-signed-out");
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static void signInWithPassword() {
        waitFor("the sign-in form", () -> !driver.findElements(By.id("username")).isEmpty());
        driver.findElement(By.id("username")).sendKeys(DemoSetup.CLINICIAN);
        driver.findElement(By.id("password")).sendKeys(demo.clinicianPassword());
        driver.findElement(By.id("sign-in")).click();
    }

    private static void allPatients() {
        driver.findElement(By.cssSelector("header a.brand")).click();
        waitFor("the patient list", () -> !driver.findElements(By.id("patients")).isEmpty());
    }

    private static void signOut() {
        driver.findElement(By.cssSelector("header form button")).click();
    }

    /** The session token in the browser's cookie (HttpOnly: the page cannot read it, WebDriver can). */
    private static String token() {
        return driver.manage().getCookieNamed("ward_session").getValue();
    }

    /** The clinician's one live session, as an administrator sees it (which is no use of it). */
    private static JsonNode session() {
        JsonNode sessions = w.get("/v1/admin/sessions?tenant=" + TENANT, adminKey).json().path("sessions");
        assertThat(sessions).hasSize(1);
        return sessions.get(0);
    }

    private static List<String> openContexts() {
        return client.listPatients(token()).value().stream().map(PatientContext::patientId).toList();
    }

    private static List<JsonNode> audit(String type) {
        var r = w.get("/v1/admin/audit?tenant=" + TENANT + "&type=" + type, adminKey);
        assertThat(r.status()).isEqualTo(200);
        List<JsonNode> out = new java.util.ArrayList<>();
        r.json().path("events").forEach(out::add);
        return out;
    }

    private static void screenshot(String name) {
        try {
            Path shots = Files.createDirectories(Path.of("target", "browser"));
            Files.write(shots.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " (at " + driver.getCurrentUrl() + ": "
                        + driver.findElement(By.tagName("body")).getText() + ")");
            }
            try {
                // The browser tells nothing when a page has changed: look again shortly (bounded by the deadline).
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
