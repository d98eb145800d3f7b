package dev.ward.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.TestWard;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code ward cleanup} against the data directory of a server that is running at the same time. */
class CleanupCommandTest {
    record Run(int exit, String out, String err) {}

    static Run ward(String... args) {
        WardCli.Run r = WardCli.run(args);
        return new Run(r.exit(), r.out(), r.err());
    }

    @Test
    void countsPerTenantThenRemovesEndedSessionsWhileTheServerRuns() {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            // The CLI runs on the real clock; make these sessions old enough to have expired by then.
            w.clock.set(Instant.now().minus(Duration.ofDays(2)));
            w.createTenant("north");
            w.createUser("north", "nina", "North-Pass-123!", "staff");
            String a = w.login("north", "nina", "North-Pass-123!");
            w.login("north", "nina", "North-Pass-123!");
            w.post("/v1/auth/logout", null, a);
            w.clock.set(Instant.now());
            String live = w.login("north", "nina", "North-Pass-123!");

            Run dry = ward("cleanup", "--data-dir", dir, "--dry-run", "--tenant", "north");
            assertThat(dry.exit()).as(dry.err()).isZero();
            assertThat(dry.out()).contains("north").contains("total: 2").contains("Dry run: nothing removed.");

            Run real = ward("cleanup", "--data-dir", dir, "--force");
            assertThat(real.exit()).as(real.err()).isZero();
            assertThat(real.out()).contains("Removed");
            assertThat(ward("cleanup", "--data-dir", dir, "--dry-run", "--tenant", "north").out()).contains("total: 0");
            assertThat(w.get("/v1/session", live).status()).as("live sessions stay").isEqualTo(200);
            assertThat(w.ward.audit().recent("north", "session.expired", 10)).isNotEmpty();

            Run all = ward("cleanup", "--data-dir", dir, "--all-sessions", "--tenant", "north", "--force");
            assertThat(all.exit()).isZero();
            assertThat(w.get("/v1/session", live).status()).isEqualTo(401);
        }
    }

    @Test
    void removesPatientContextsPastTheirTimeoutAndThoseOfTheSessionsItRemoves() {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            w.clock.set(Instant.now().minus(Duration.ofDays(2)));
            w.createTenant("south", java.util.Map.of("mfa", java.util.Map.of("required_roles", java.util.List.of()),
                    "session", java.util.Map.of("idle_timeout_seconds", 604800, "absolute_timeout_seconds", 604800)));
            w.createUser("south", "sam", "South-Pass-123!", "staff");
            String old = w.login("south", "sam", "South-Pass-123!");
            assertThat(w.post("/v1/session/patients/p-1", null, old).status()).isEqualTo(200);
            w.clock.set(Instant.now());
            assertThat(w.post("/v1/session/patients/p-2", null, old).status()).isEqualTo(200);

            Run dry = ward("cleanup", "--data-dir", dir, "--dry-run");
            assertThat(dry.exit()).as(dry.err()).isZero();
            assertThat(dry.out()).contains("Patient contexts past their timeout to remove: 1").contains("Dry run: nothing removed.");

            Run real = ward("cleanup", "--data-dir", dir, "--force");
            assertThat(real.exit()).as(real.err()).isZero();
            assertThat(real.out()).contains("Removed 1 expired patient context(s).");
            assertThat(w.ward.audit().recent("south", "patient.cleared", 10)).singleElement().satisfies(e -> {
                assertThat(e.patientId()).isEqualTo("p-1");
                assertThat(e.details()).containsEntry("reason", "timeout");
            });
            assertThat(w.get("/v1/session/patients", old).json().path("patients")).singleElement()
                    .satisfies(p -> assertThat(p.path("patient_id").asText()).isEqualTo("p-2"));

            Run all = ward("cleanup", "--data-dir", dir, "--all-sessions", "--tenant", "south", "--force");
            assertThat(all.exit()).as(all.err()).isZero();
            assertThat(w.ward.audit().recent("south", "patient.cleared", 10)).anySatisfy(e ->
                    assertThat(e.details()).containsEntry("reason", "cleanup").containsEntry("count", 1));
        }
    }

    @Test
    void refusesBadValuesWithAClearMessage() throws Exception {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            Run zero = ward("cleanup", "--data-dir", dir, "--older-than-hours", "0");
            assertThat(zero.exit()).isEqualTo(2);
            assertThat(zero.err()).contains("--older-than-hours must be 1 or more");
            Run text = ward("cleanup", "--data-dir", dir, "--older-than-hours", "soon");
            assertThat(text.exit()).isEqualTo(2);
            assertThat(text.err()).contains("--older-than-hours");
            Run both = ward("cleanup", "--data-dir", dir, "--all-sessions", "--expired-only");
            assertThat(both.exit()).isEqualTo(2);
            assertThat(both.err()).contains("at most one of");
            Run unknown = ward("cleanup", "--data-dir", dir, "--everything");
            assertThat(unknown.exit()).isEqualTo(2);
            Run contradiction = ward("cleanup", "--data-dir", dir, "--dry-run", "--force");
            assertThat(contradiction.exit()).isEqualTo(2);
            Run noTerminal = ward("cleanup", "--data-dir", dir, "--all-sessions");
            assertThat(noTerminal.exit()).as(noTerminal.out() + noTerminal.err()).isIn(0, 2);
            if (noTerminal.exit() == 2) {
                assertThat(noTerminal.err()).contains("--force");
            }
        }
        Run missing = ward("cleanup", "--data-dir", Files.createTempDirectory("empty").toString(), "--dry-run");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no Ward database");
    }

    @Test
    void anUnknownTenantExitsTwoAsKeysDoes() {
        try (TestWard w = new TestWard()) {
            Run r = ward("cleanup", "--data-dir", w.dataDir.toString(), "--dry-run", "--tenant", "nosuch");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).isEqualTo("ward cleanup: no such tenant: nosuch." + System.lineSeparator());
            assertThat(r.out()).doesNotContain("Sessions to remove");
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] args : new String[][] {{"--help"}, {"serve", "--help"}, {"cleanup", "--help"}}) {
            Run r = ward(args);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("Usage: ward");
        }
        assertThat(ward("cleanup", "--help").out()).contains("--dry-run", "--force", "--expired-only", "--unauthenticated-only",
                "--all-sessions", "--older-than-hours", "--tenant");
        assertThat(ward("serve", "--help").out()).contains("--cleanup-on-start");
    }
}
