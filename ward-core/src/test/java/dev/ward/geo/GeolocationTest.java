package dev.ward.geo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which addresses are located (and, under geo.allowed_countries, refused when not located): decision 0025. */
class GeolocationTest {
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.0.1", "100.64.0.1", "100.127.255.255",
            "0.0.0.0", "::1", "fe80::1", "fc00::1", "fd12:3456::7"})
    void theOrganisationsOwnNetworkIsNotPublic(String ip) {
        assertThat(Geolocation.isPublic(ip)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"81.2.69.142", "8.8.8.8", "100.128.0.1", "2001:db8::7", "2a00:1450::1",
            // Not an address at all: treated as public, so that it is never waved through a country check.
            "ward.example.org", "", "1.2.3", "abc.def"})
    void everythingElseCountsAsPublic(String ip) {
        assertThat(Geolocation.isPublic(ip)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ward.example.org", "localhost", "abc.def", "1.2.3", "", "1.2.3.4.5"})
    void aHostNameIsNeverResolved(String notALiteral) {
        assertThat(Geolocation.literal(notALiteral)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void locationsOmitWhatIsUnknownAndAuditCoordinatesAsText() {
        Location full = new Location("GB", "London", 51.5142, -0.0931);
        assertThat(full.view()).containsEntry("latitude", 51.5142).containsEntry("city", "London");
        assertThat(full.auditDetail()).containsEntry("latitude", "51.5142").containsEntry("longitude", "-0.0931");
        assertThat(new Location("SE", null, null, null).view()).containsOnlyKeys("country");
    }
}
