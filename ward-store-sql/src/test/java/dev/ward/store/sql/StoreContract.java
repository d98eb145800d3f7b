package dev.ward.store.sql;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The store contract: a suite that extends this runs all its tests once per {@link Backend}, in enum
 * order. JUnit names the runs "SessionLimitTest / on H2", "SessionLimitTest / on PostgreSQL"; Surefire's
 * reports number them instead ({@code test()[1]} = H2, {@code test()[2]} = PostgreSQL), so every failure's
 * message also starts with {@code [on <backend>]}.
 *
 * <p>A suite builds its fixture in {@code @BeforeEach} with {@link #fixture(String)}: fresh stores on the
 * current backend, closed (for PostgreSQL: the schema dropped) after each test whatever its outcome.
 *
 * <p>A backend this machine does not have (PostgreSQL down) skips the suite on that backend, loudly: one
 * {@code SKIPPED SUITE <suite> on <backend>: <why>} line on stderr and every test aborted by an assumption,
 * before the suite's own set-up runs. The other backends still run.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Backend.class)
@ExtendWith(StoreContract.NamesTheBackend.class)
abstract class StoreContract {
    @Parameter
    Backend backend;

    private final List<StoreFixture> fixtures = new ArrayList<>();

    @BeforeParameterizedClassInvocation
    static void announceAnUnavailableBackend(Backend backend, TestInfo suite) {
        backend.unavailable().ifPresent(reason -> System.err.println("SKIPPED SUITE "
                + suite.getTestClass().map(Class::getSimpleName).orElse("?") + " on " + backend + ": " + reason));
    }

    /** Runs before the suite's own {@code @BeforeEach} (JUnit runs a superclass's first). */
    @BeforeEach
    final void requireTheBackend() {
        Optional<String> why = backend.unavailable();
        assumeTrue(why.isEmpty(), () -> backend + " unavailable: " + why.orElseThrow());
    }

    /** Ward's services over fresh stores on this run's backend, closed after the test. */
    StoreFixture fixture(String label) {
        StoreFixture fixture = new StoreFixture(backend, label);
        fixtures.add(fixture);
        return fixture;
    }

    /** Runs after the suite's own {@code @AfterEach}, even when the test or the set-up failed. */
    @AfterEach
    final void closeTheFixtures() {
        RuntimeException failure = null;
        for (StoreFixture fixture : fixtures.reversed()) {
            try {
                fixture.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        fixtures.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Starts every failure's message with {@code [on <backend>]}; aborts (skips) pass unchanged. */
    static final class NamesTheBackend implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
            throw tagged(context, t);
        }

        @Override
        public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
            throw tagged(context, t);
        }

        @Override
        public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
            throw tagged(context, t);
        }

        private static Throwable tagged(ExtensionContext context, Throwable t) {
            Optional<Backend> backend = context.getTestInstance()
                    .filter(StoreContract.class::isInstance)
                    .map(instance -> ((StoreContract) instance).backend);
            if (backend.isEmpty() || t instanceof TestAbortedException) {
                return t;
            }
            String prefix = "[on " + backend.get() + "] ";
            if (t.getMessage() != null && t.getMessage().startsWith(prefix)) {
                return t;
            }
            Throwable tagged;
            if (t instanceof AssertionFailedError afe && afe.isExpectedDefined() && afe.isActualDefined()) {
                tagged = new AssertionFailedError(prefix + afe.getMessage(), afe.getExpected().getEphemeralValue(),
                        afe.getActual().getEphemeralValue(), afe);
            } else if (t instanceof AssertionError) {
                tagged = new AssertionFailedError(prefix + t.getMessage(), t);
            } else {
                tagged = new FailedOnBackend(prefix + t, t);
            }
            tagged.setStackTrace(t.getStackTrace());
            return tagged;
        }
    }

    /** An error (not an assertion failure) in a test on a backend; the original is the cause. */
    static final class FailedOnBackend extends RuntimeException {
        FailedOnBackend(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
