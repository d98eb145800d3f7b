package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The compliance report's printable page as a browser shows it (issue 16: "check the HTML in Chromium"): opened from a
 * saved file, its one style sheet applies under its own Content-Security-Policy (the verdict badges are coloured), every
 * control has its section, and a screenshot goes to {@code target/browser/compliance-report.png}.
 */
class ComplianceReportBrowserTest {
    static final Path SHOTS = Path.of("target", "browser");

    @Test
    void thePageRendersEveryControlWithItsStyledVerdict() throws Exception {
        HeadlessChromium.requireInstalled("ComplianceReportBrowserTest");
        Files.createDirectories(SHOTS);
        Path saved;
        try (TestWard w = new TestWard()) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of("admin", "provider"))));
            w.createUser("clinic", "nurse", "Compliance-Pass-9!", "staff");
            String nurse = w.login("clinic", "nurse", "Compliance-Pass-9!");
            w.post("/v1/session/patients/p-1", null, nurse);
            w.post("/v1/admin/audit/checkpoints?tenant=clinic", null, w.adminToken());
            Instant t = w.clock.instant();
            var page = w.get("/v1/admin/reports/compliance?tenant=clinic&format=html&from=" + t.minusSeconds(3600) + "&to="
                    + t.plusSeconds(3600), w.adminToken());
            assertThat(page.status()).as(page.raw()).isEqualTo(200);
            saved = Files.createTempFile("ward-compliance", ".html");
            Files.writeString(saved, page.raw());
        }
        ChromeDriver driver = HeadlessChromium.start(1280, 1600);
        try {
            driver.get(saved.toUri().toString());
            assertThat(driver.getTitle()).isEqualTo("Compliance report: Tenant clinic");
            List<WebElement> headings = driver.findElements(By.tagName("h2"));
            assertThat(headings).hasSize(15); // the summary, 13 controls, the policy history
            assertThat(driver.findElements(By.cssSelector("table caption")).getFirst().getText()).isEqualTo("Verdict per control");
            WebElement pass = driver.findElement(By.cssSelector(".badge.pass"));
            WebElement attention = driver.findElement(By.cssSelector(".badge.attention"));
            assertThat(pass.getCssValue("background-color")).as("the style sheet applied under the page's CSP")
                    .isEqualTo("rgba(226, 243, 229, 1)");
            assertThat(attention.getCssValue("background-color")).isEqualTo("rgba(255, 240, 204, 1)");
            Files.write(SHOTS.resolve("compliance-report.png"), driver.getScreenshotAs(OutputType.BYTES));
        } finally {
            driver.quit();
            Files.deleteIfExists(saved);
        }
    }
}
