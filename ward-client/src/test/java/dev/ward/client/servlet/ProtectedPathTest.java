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
}
