package dev.ward.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Whatever answers at Ward's address when Ward does not, the client never makes a session of it (fail closed). */
class UnavailableWardTest {
    static final String TOKEN = "wst_" + "A".repeat(43);
    static final String KEY = "wak_" + "k".repeat(40);
    static final EndUser USER = new EndUser("203.0.113.7", "Mozilla/5.0");
    static NotWard notWard;

    @BeforeAll
    static void start() throws Exception { notWard = NotWard.start(); }

    @AfterAll
    static void stop() { notWard.close(); }

    /** Time enough for an answer on a loaded machine; only the silent server is meant to run into it. */
    static WardClient at(String base) { return at(base, Duration.ofSeconds(10)); }

    static WardClient at(String base, Duration timeout) {
        return WardClient.builder(base).apiKey(KEY).requestTimeout(timeout).build();
    }

    @Test
    void closedPortIsUnavailable() {
        WardClient ward = at("http://127.0.0.1:1"); // tcpmux: nothing listens there
        assertThat(ward.validate(TOKEN, USER)).isInstanceOf(Validation.Unavailable.class);
        assertThat(ward.login("t", "u", "secret-password", USER)).isInstanceOf(LoginAnswer.Unavailable.class);
        assertThatThrownBy(() -> ward.clearPatientData(TOKEN)).isInstanceOfSatisfying(WardException.class, e -> {
            assertThat(e.unavailable()).isTrue();
            assertThat(e.getMessage()).doesNotContain(TOKEN).doesNotContain(KEY);
        });
    }

    @Test
    void everyKindOfGarbageIsUnavailableNeverValid() {
        for (String path : NotWard.GARBAGE) {
            Validation v = at(notWard.base() + path).validate(TOKEN, USER);
            assertThat(v).as(path).isInstanceOf(Validation.Unavailable.class);
            assertThat(v.toString()).doesNotContain(TOKEN).doesNotContain(KEY);
            assertThat(at(notWard.base() + path).login("t", "u", "secret-password", USER)).as(path)
                    .isInstanceOf(LoginAnswer.Unavailable.class);
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOutAsUnavailable() {
        assertThat(at(notWard.base() + "/silent", Duration.ofMillis(300)).validate(TOKEN, USER)).isInstanceOf(Validation.Unavailable.class);
    }

    @Test
    void aWardThatIgnoresRequireCannotGrantIt() {
        WardClient oldWard = at(notWard.base() + "/knows-no-permissions");
        assertThat(oldWard.validate(TOKEN, USER)).isInstanceOf(Validation.Valid.class);
        assertThat(oldWard.validate(TOKEN, USER, Optional.of(new Require("pharmacy", "read"))))
                .isEqualTo(new Validation.Forbidden("permission_denied", Optional.empty()));
    }

    @Test
    void storeUnavailableKeepsWardsCode() {
        assertThatThrownBy(() -> at(notWard.base() + "/store-down").encrypt("f", "x", Optional.empty()))
                .isInstanceOfSatisfying(WardException.class, e -> {
                    assertThat(e.unavailable()).isTrue();
                    assertThat(e.code()).isEqualTo("store_unavailable");
                });
    }
}
