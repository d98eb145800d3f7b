package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code WARD_DETECTORS=off}: a node that leaves the detectors' background pass to the others of its cluster (and what
 * bench/detect.sh compares against). It raises nothing by itself, {@code ward check} says so, and a wrong value stops
 * the start.
 */
class DetectorsSwitchTest {
    static final String PASSWORD = "Detector-Right-Pass-9!";

    @Test
    void aNodeWithTheDetectorsOffRaisesNothingByItself() throws Exception {
        try (TestWard w = TestWard.configured(c -> c.withTrustedProxies(List.of("127.0.0.1")).withDetectors(false))) {
            w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()), "detect", DetectorsHttpTest.DETECT));
            w.createUser("clinic", "nurse", PASSWORD, "staff");
            for (int i = 0; i < 8; i++) {
                assertThat(DetectorsHttpTest.wrongPassword(w, "clinic", "nurse", "198.51.100.20")).isEqualTo(401);
                w.clock.advance(Duration.ofSeconds(5));
            }
            // Three of the passes a node with the detectors on makes (one a second) could have run by now: this proves
            // nothing ran, not how fast one would have (that is DetectorsHttpTest's detectNow()).
            Thread.sleep(3 * Ward.DETECT_POLL_SECONDS * 1000);
            assertThat(DetectorsHttpTest.alerts(w, "clinic", "brute_force")).isEmpty();
            // The events were there all along: a pass (as another node would make) finds them.
            w.ward.detectNow();
            assertThat(DetectorsHttpTest.alerts(w, "clinic", "brute_force")).hasSize(1);
        }
    }

    @Test
    void checkWarnsAndAWrongValueStopsTheStart() throws Exception {
        Path data = Files.createTempDirectory("ward-detectors-switch");
        WardProcess.Result first = WardProcess.run(Map.of("WARD_DATA_DIR", data.toString(), "WARD_DETECTORS", "off"), "check");
        assertThat(first.out() + first.err()).contains("WARD_DETECTORS=off: this node raises no detector alerts");
        WardProcess.Result wrong = WardProcess.run(Map.of("WARD_DATA_DIR", data.toString(), "WARD_DETECTORS", "maybe"), "check");
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.err()).contains("WARD_DETECTORS must be on or off, got 'maybe'");
    }
}
