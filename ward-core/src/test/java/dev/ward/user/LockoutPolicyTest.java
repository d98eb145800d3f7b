package dev.ward.user;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LockoutPolicyTest {
    private static final Duration BASE = Duration.ofMinutes(15);
    private static final LockoutPolicy POLICY = new LockoutPolicy(5, BASE);

    @Test
    void firstLockoutLastsTheBaseDuration() {
        assertThat(POLICY.durationOf(1)).isEqualTo(BASE);
    }

    @Test
    void eachRepeatLockoutDoublesTheDuration() {
        assertThat(POLICY.durationOf(2)).isEqualTo(Duration.ofMinutes(30));
        assertThat(POLICY.durationOf(3)).isEqualTo(Duration.ofMinutes(60));
        assertThat(POLICY.durationOf(4)).isEqualTo(Duration.ofMinutes(120));
        assertThat(POLICY.durationOf(7)).isEqualTo(Duration.ofMinutes(15 * 64));
    }

    @Test
    void durationIsCappedAtTwentyFourHours() {
        // 15 min * 2^6 = 16 h; 2^7 would be 32 h
        assertThat(POLICY.durationOf(8)).isEqualTo(Duration.ofHours(24));
        assertThat(POLICY.durationOf(50)).isEqualTo(Duration.ofHours(24));
        assertThat(POLICY.durationOf(Integer.MAX_VALUE)).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void durationNeverShrinksAsLockoutsRepeat() {
        Duration previous = Duration.ZERO;
        for (int n = 1; n <= 100; n++) {
            Duration d = POLICY.durationOf(n);
            assertThat(d).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(Duration.ofHours(24));
            previous = d;
        }
    }

    @Test
    void baseLongerThanTheCapIsKeptAndNotDoubled() {
        LockoutPolicy longBase = new LockoutPolicy(5, Duration.ofHours(48));
        assertThat(longBase.durationOf(1)).isEqualTo(Duration.ofHours(48));
        assertThat(longBase.durationOf(2)).isEqualTo(Duration.ofHours(48));
        assertThat(longBase.durationOf(10)).isEqualTo(Duration.ofHours(48));
    }

    @Test
    void baseOfExactlyTheCapStaysThere() {
        LockoutPolicy dayBase = new LockoutPolicy(5, Duration.ofHours(24));
        assertThat(dayBase.durationOf(1)).isEqualTo(Duration.ofHours(24));
        assertThat(dayBase.durationOf(3)).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void secondsLongBaseDoublesToo() {
        LockoutPolicy drill = new LockoutPolicy(3, Duration.ofSeconds(60));
        assertThat(drill.durationOf(1)).isEqualTo(Duration.ofSeconds(60));
        assertThat(drill.durationOf(2)).isEqualTo(Duration.ofSeconds(120));
        assertThat(drill.durationOf(3)).isEqualTo(Duration.ofSeconds(240));
    }
}
