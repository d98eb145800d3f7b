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
        long first = StoreDeadline.waitNanos(LIMIT, "database");
        assertThat(first).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isLessThanOrEqualTo(first);
        // A limit below what is left stays as it is.
        assertThat(StoreDeadline.waitNanos(Duration.ofMillis(10), "database")).isEqualTo(Duration.ofMillis(10).toNanos());
    }

    @Test
    void aSpentBudgetFailsTheNextWaitAtOnceNamingTheStore() throws InterruptedException {
        StoreDeadline.open(Duration.ofMillis(1));
        StoreDeadline.waitNanos(LIMIT, "database"); // starts the clock
        Thread.sleep(20); // a real wait: the budget is real time
        assertThatThrownBy(() -> StoreDeadline.waitNanos(LIMIT, "database"))
                .isInstanceOfSatisfying(StoreUnavailableException.class, e -> assertThat(e.store()).isEqualTo("database"));
        assertThatThrownBy(() -> StoreDeadline.waitMillis(LIMIT, "database")).isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void theClockStartsAtTheFirstWaitNotAtTheRequest() throws InterruptedException {
        StoreDeadline.open(Duration.ofMillis(50));
        Thread.sleep(100); // e.g. a password hashed under load before the first store call
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isPositive();
    }

    @Test
    void closingEndsTheScope() throws InterruptedException {
        StoreDeadline.open(Duration.ofMillis(1));
        StoreDeadline.waitNanos(LIMIT, "database");
        Thread.sleep(20);
        StoreDeadline.close();
        assertThat(StoreDeadline.waitNanos(LIMIT, "database")).isEqualTo(LIMIT.toNanos());
    }

    @Test
    void aBudgetMustBePositive() {
        assertThatThrownBy(() -> StoreDeadline.open(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
