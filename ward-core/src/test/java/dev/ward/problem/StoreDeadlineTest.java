package dev.ward.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StoreDeadlineTest {
    private static final Duration LIMIT = Duration.ofSeconds(3);

    @AfterEach
    void close() {
        StoreDeadline.close();
    }

    @Test
    void withoutARequestEachWaitKeepsItsOwnLimit() {
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isEqualTo(LIMIT.toNanos());
        assertThat(StoreDeadline.waitMillis(LIMIT, "database")).isEqualTo(3000);
    }

    @Test
    void aRequestsWaitsAreCutToWhatIsLeftOfItsBudget() {
        StoreDeadline.open(Duration.ofSeconds(1));
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isEqualTo(Duration.ofSeconds(1).toNanos());
        StoreDeadline.charge(Duration.ofMillis(700).toNanos());
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isEqualTo(Duration.ofMillis(300).toNanos());
        // A limit below what is left stays as it is.
        assertThat(StoreDeadline.waitNanos(Duration.ofMillis(10), "database")).isEqualTo(Duration.ofMillis(10).toNanos());
        assertThat(StoreDeadline.waitMillis(LIMIT, "database")).isEqualTo(300);
    }

    @Test
    void aSpentBudgetFailsTheNextWaitAtOnceNamingTheStore() {
        StoreDeadline.open(Duration.ofMillis(100));
        StoreDeadline.charge(Duration.ofMillis(100).toNanos());
        assertThatThrownBy(() -> StoreDeadline.waitNanos(LIMIT, "database"))
                .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.store()).isEqualTo("database"));
        assertThatThrownBy(() -> StoreDeadline.waitMillis(LIMIT, "database")).isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void onlyTimeChargedCountsNotTimeBetweenWaits() throws InterruptedException {
        StoreDeadline.open(Duration.ofMillis(50));
        Thread.sleep(100); // e.g. a password hashed on a loaded machine between two store calls
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void closingEndsTheScopeAndChargesWithoutOneAreIgnored() {
        StoreDeadline.open(Duration.ofMillis(100));
        StoreDeadline.charge(Duration.ofSeconds(1).toNanos());
        StoreDeadline.close();
        StoreDeadline.charge(Duration.ofSeconds(1).toNanos());
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isEqualTo(LIMIT.toNanos());
    }

    @Test
    void aBudgetMustBePositive() {
        assertThatThrownBy(() -> StoreDeadline.open(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
