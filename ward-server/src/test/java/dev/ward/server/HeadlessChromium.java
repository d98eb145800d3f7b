package dev.ward.server;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's headless Chromium driven through its chromedriver: no browser or driver download (the browser tests). */
public final class HeadlessChromium {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private HeadlessChromium() {}

    /** Skips the suite, and says so on the console, where the packages are missing (CI installs them). */
    public static void requireInstalled(String suite) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            System.out.println("SKIPPED SUITE " + suite + ": " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing (apt-get install chromium chromium-driver; .ci/run does)");
            Assumptions.abort("chromium and chromium-driver are not installed");
        }
    }

    public static ChromeDriver start(int width, int height) {
        return start(width, height, new ChromeOptions());
    }

    /**
     * A browser that saves what pages download into {@code downloads} without asking, and keeps the pages' console
     * messages for {@code driver.manage().logs().get("browser")} (where Chromium reports what a page's policy refused).
     */
    public static ChromeDriver startSavingDownloads(int width, int height, Path downloads) {
        ChromeOptions options = new ChromeOptions();
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toAbsolutePath().toString(),
                "download.prompt_for_download", false));
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        return start(width, height, options);
    }

    private static ChromeDriver start(int width, int height, ChromeOptions options) {
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** The first element found, or null. */
    public static WebElement one(WebDriver driver, By by) {
        List<WebElement> found = driver.findElements(by);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Polls until the value is there (non-null, not false); the browser and Ward work in their own time. */
    public static <T> T until(WebDriver driver, String what, Supplier<T> probe) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            T value;
            try {
                value = probe.get();
            } catch (org.openqa.selenium.StaleElementReferenceException redrawn) {
                value = null;
            }
            if (value != null && !Boolean.FALSE.equals(value)) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " on " + driver.getCurrentUrl() + ": "
                        + driver.findElement(By.tagName("body")).getText());
            }
            try {
                // The page's modules redraw without a signal to the test: look again shortly (bounded by the deadline).
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
