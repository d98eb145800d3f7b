package dev.ward.client.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What a pattern covers, on the container's decoded, normalised path (review15). */
class ProtectedPathTest {
    @Test
    void aPrefixCoversItselfAndEverythingUnderItNotItsNamesakes() {
        ProtectedPath p = ProtectedPath.parse("/patients/*");
        assertThat(p.matches("/patients")).isTrue();
        assertThat(p.matches("/patients/")).isTrue();
        assertThat(p.matches("/patients/17/notes")).isTrue();
        assertThat(p.matches("/patients-archive/17")).as("another path that starts alike").isFalse();
        assertThat(p.matches("/patient")).isFalse();
        assertThat(ProtectedPath.parse("/*").matches("/anything/at/all")).isTrue();
    }

    @Test
    void anExactPathCoversItsTrailingSlashToo() {
        ProtectedPath p = ProtectedPath.parse("/chart=charts:read");
        assertThat(p.matches("/chart")).isTrue();
        assertThat(p.matches("/chart/")).as("served as /chart by frameworks that match a trailing slash").isTrue();
        assertThat(p.matches("/chart/17")).isFalse();
        assertThat(p.require()).isPresent();
    }

    @Test
    void onlyExactAndPrefixPatternsAreTaken() {
        for (String bad : new String[] {"patients/*", "/pat*ents/*", "/patients/*/*", "/*.jsp", ""}) {
            assertThatThrownBy(() -> ProtectedPath.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void caseTrailingDotsAndSpacesAndAnExtensionAreOtherSpellingsOfTheSamePath() {
        ProtectedPath prefix = ProtectedPath.parse("/patients/*");
        for (String path : new String[] {"/Patients/17", "/PATIENTS", "/patients./17", "/patients ./17", "/patients.json",
                "/patients.", "/pAtIeNtS/17/Notes"}) {
            assertThat(prefix.matches(path)).as(path).isTrue();
        }
        assertThat(prefix.matches("/patients.old/17")).as("another directory, not an extension").isFalse();
        assertThat(prefix.matches("/patientsx")).isFalse();
        ProtectedPath exact = ProtectedPath.parse("/Chart");
        for (String path : new String[] {"/chart", "/CHART/", "/chart.", "/chart.json", "/chart  "}) {
            assertThat(exact.matches(path)).as(path).isTrue();
        }
        assertThat(exact.matches("/chart/17")).isFalse();
        assertThat(exact.matches("/chart.d/17")).isFalse();
        assertThat(exact.matches("/charts")).isFalse();
    }
}
