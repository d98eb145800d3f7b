package dev.ward.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.audit.AuditVerifier;
import dev.ward.audit.Checkpoint;
import dev.ward.crypto.KeyState;
import dev.ward.crypto.KeyVersion;
import dev.ward.tenant.Policy;
import dev.ward.user.User;
import dev.ward.user.UserStatus;
import dev.ward.user.UserView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The compliance report's rules on hand-made evidence: what a tenant's policy was at a time, from the trail's changes;
 * a tenant key past its rotation; an event that waited long for a checkpoint; accounts unused for a whole month.
 */
class ComplianceReportTest {
    static final Instant FROM = Instant.parse("2026-11-01T00:00:00Z");
    static final Instant TO = Instant.parse("2026-12-01T00:00:00Z");
    static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");
    static final ComplianceReport.Deployment DEPLOYMENT = new ComplianceReport.Deployment(true, true, "tls_verify_full", "tls",
            Optional.of("https://ward.example"), true, 1, true);

    private long seq;

    private AuditEvent event(String type, Instant at, String userId, Map<String, Object> details) {
        seq++;
        return new AuditEvent(seq, at, "clinic", type, "success", "user:usr_1", userId, null, null, null, details, "p", "h");
    }

    private AuditEvent idleChange(Instant at, long version, Object from, Object to) {
        return event("admin.tenant_policy_updated", at, null, Map.of("policy_version", version,
                "changed", List.of("session.idle_timeout_seconds"),
                "settings", Map.of("session.idle_timeout_seconds", Map.of("from", from, "to", to))));
    }

    @Test
    void theTimelineWalksBackFromTodaysPolicyThroughEachRecordedChange() {
        Policy today = Policy.defaults().merge(Map.of("session", Map.of("idle_timeout_seconds", 600)));
        List<AuditEvent> changes = List.of(
                idleChange(FROM.plus(Duration.ofDays(3)), 2, 1800, 3600),      // in the period: loose for a while
                idleChange(FROM.plus(Duration.ofDays(10)), 3, 3600, 900),      // in the period: tightened
                idleChange(TO.plus(Duration.ofHours(5)), 4, 900, 600));        // after the period
        PolicyTimeline t = new PolicyTimeline(today, FROM, TO, changes, false);
        assertThat(t.atEnd("session.idle_timeout_seconds")).contains(900L);
        assertThat(t.during("session.idle_timeout_seconds").known()).containsExactlyInAnyOrder(900L, 3600L, 1800L);
        assertThat(t.during("session.idle_timeout_seconds").someUnknown()).isFalse();
        assertThat(t.during("session.absolute_timeout_seconds").known()).containsExactly(43200L);
        assertThat(t.inPeriod()).extracting(PolicyTimeline.Change::version).containsExactly(2L, 3L);

        // A change recorded without its values (made before Ward recorded them) leaves what came before it unknown.
        List<AuditEvent> unrecorded = List.of(event("admin.tenant_policy_updated", FROM.plus(Duration.ofDays(3)), null,
                Map.of("policy_version", 2, "changed", List.of("session.idle_timeout_seconds"))));
        PolicyTimeline old = new PolicyTimeline(today, FROM, TO, unrecorded, false);
        assertThat(old.atEnd("session.idle_timeout_seconds")).contains(600L);
        assertThat(old.during("session.idle_timeout_seconds").someUnknown()).isTrue();
        assertThat(new PolicyTimeline(today, FROM, TO, List.of(), true).atEnd("session.idle_timeout_seconds"))
                .as("more changes than were read").isEmpty();
    }

    @Test
    void aValueHeldForPartOfThePeriodOrNotRecordedNeedsAttention() {
        Policy today = Policy.defaults();
        Facts loose = facts(new PolicyTimeline(today, FROM, TO, List.of(idleChange(FROM.plus(Duration.ofDays(3)), 2, 7200, 1800)),
                false));
        ComplianceReport.Control logoff = row(ComplianceReport.build(loose.facts()), "§164.312(a)(2)(iii)");
        assertThat(logoff.verdict()).isEqualTo(ComplianceReport.ATTENTION);
        assertThat(logoff.reason()).isEqualTo("The session idle timeout was 2 hours for part of the period, longer than 30 minutes "
                + "(NIST SP 800-63B, AAL2).");

        Facts unknown = facts(new PolicyTimeline(today, FROM, TO, List.of(event("admin.tenant_policy_updated",
                FROM.plus(Duration.ofDays(3)), null, Map.of("policy_version", 2, "changed", List.of("session.idle_timeout_seconds")))),
                false));
        assertThat(row(ComplianceReport.build(unknown.facts()), "§170.315(d)(5)").reason())
                .isEqualTo("The session idle timeout (session.idle_timeout_seconds) changed during the period to a value the "
                        + "trail did not record.");
    }

    @Test
    void aTenantKeyPastItsRotationIsStale() {
        Facts fresh = facts(new PolicyTimeline(Policy.defaults(), FROM, TO, List.of(), false));
        fresh.keys.add(new KeyVersion(4, KeyState.PRIMARY, NOW.minus(Duration.ofHours(20)), null));
        assertThat(row(ComplianceReport.build(fresh.facts()), "§164.312(a)(2)(iv)").verdict()).isEqualTo(ComplianceReport.PASS);

        Facts stale = facts(new PolicyTimeline(Policy.defaults(), FROM, TO, List.of(), false));
        stale.keys.add(new KeyVersion(4, KeyState.PRIMARY, NOW.minus(Duration.ofDays(3)), null));
        stale.keys.add(new KeyVersion(3, KeyState.ACTIVE, NOW.minus(Duration.ofDays(4)), null));
        ComplianceReport.Control encryption = row(ComplianceReport.build(stale.facts()), "§164.312(a)(2)(iv)");
        assertThat(encryption.verdict()).isEqualTo(ComplianceReport.ATTENTION);
        assertThat(encryption.reason()).startsWith("The tenant key in use (version 4) is 3 days old, past its rotation every 1 day");
    }

    @Test
    void anEventThatWaitedLongForACheckpointNeedsAttention() {
        Facts f = facts(new PolicyTimeline(Policy.defaults(), FROM, TO, List.of(), false));
        Instant day = FROM.plus(Duration.ofDays(2));
        f.checkpoints.add(new Checkpoint("clinic", 1, "h", day.plusSeconds(60), Checkpoint.PERIODIC, "ack_1", "s"));
        f.checkpoints.add(new Checkpoint("clinic", 3, "h", day.plusSeconds(120 + 3 * 3600), Checkpoint.PERIODIC, "ack_1", "s"));
        f.trail.add(event("login.succeeded", day, "usr_1", Map.of()));                              // 1, covered in a minute
        f.trail.add(event("audit.checkpoint", day.plusSeconds(60), null, Map.of()));                // 2
        f.trail.add(event("session.created", day.plusSeconds(120), "usr_1", Map.of()));             // 3, waits 3 hours
        f.trail.add(event("audit.checkpoint", day.plusSeconds(120 + 3 * 3600), null, Map.of()));   // 4
        f.trail.finish(NOW);
        ComplianceReport.Control row = row(ComplianceReport.build(f.facts()), "§170.315(d)(2)");
        assertThat(row.verdict()).isEqualTo(ComplianceReport.ATTENTION);
        assertThat(row.reason()).isEqualTo("An event of 2026-11-03 00:02 UTC waited 3 hours for a signed checkpoint; the policy asks "
                + "for one every 5 minutes.");
        assertThat(f.trail.checkpointsInPeriod).isEqualTo(2);
        assertThat(f.trail.tailUncovered).isFalse();
    }

    @Test
    void accountsUnusedForAWholeMonthNeedAReview() {
        Facts f = facts(new PolicyTimeline(Policy.defaults(), FROM, TO, List.of(), false));
        f.users.add(new UserView(new User("clinic", "usr_1", "nina", "x", List.of("staff"), false, false,
                FROM.minus(Duration.ofDays(90))), UserStatus.ACTIVE, null));
        f.users.add(new UserView(new User("clinic", "usr_2", "omar", "x", List.of("staff"), false, false,
                FROM.minus(Duration.ofDays(90))), UserStatus.ACTIVE, null));
        f.users.add(new UserView(new User("clinic", "usr_3", "new", "x", List.of("staff"), false, false,
                FROM.plus(Duration.ofDays(20))), UserStatus.ACTIVE, null));
        f.users.add(new UserView(new User("clinic", "usr_4", "gone", "x", List.of("staff"), true, false,
                FROM.minus(Duration.ofDays(90))), UserStatus.DISABLED, null));
        f.trail.add(event("session.created", FROM.plus(Duration.ofDays(1)), "usr_1", Map.of()));
        f.trail.finish(NOW);
        ComplianceReport.Control access = row(ComplianceReport.build(f.facts()), "§164.312(a)(1)");
        assertThat(access.verdict()).isEqualTo(ComplianceReport.ATTENTION);
        assertThat(access.reason()).startsWith("1 enabled account(s) existed through the whole period and never signed in");
        assertThat(access.evidence().get("enabled_accounts_unused_all_period")).isEqualTo(1L);
    }

    @Test
    void durationsReadAsPeopleSayThem() {
        assertThat(ComplianceReport.words(Duration.ofSeconds(5400))).isEqualTo("1 hour 30 minutes");
        assertThat(ComplianceReport.words(Duration.ofHours(12))).isEqualTo("12 hours");
        assertThat(ComplianceReport.words(Duration.ofSeconds(86_400 + 7))).isEqualTo("1 day");
        assertThat(ComplianceReport.words(Duration.ZERO)).isEqualTo("0 seconds");
    }

    private static ComplianceReport.Control row(ComplianceReport.Report r, String reference) {
        return r.controls().stream().filter(c -> c.reference().equals(reference)).findFirst().orElseThrow();
    }

    /**
     * Event types an app chooses and reason codes a breaker of the glass chooses used to be kept one by one: an API key
     * with scope audit (or a staff account) recording a million distinct names made the compliance report hold a million
     * entries and print every code (attack13). They are counted, within a bound.
     */
    @Test
    void namesCallersChooseCannotGrowTheTallyWithoutBound() {
        Facts f = facts(new PolicyTimeline(Policy.defaults(), FROM, TO, List.of(), false));
        Instant at = FROM.plus(Duration.ofDays(1));
        for (int i = 0; i < 5_000; i++) {
            f.trail.add(event("app.spam.t" + i, at, null, Map.of()));
            f.trail.add(event("app.patient.read" + (i % 2 == 0 ? "" : "_" + i), at, "usr_1", Map.of("action", "R")));
            f.trail.add(event("patient.break_glass", at, "usr_1", Map.of("break_glass_id", "bg_" + i, "reason_code", "CODE" + i)));
        }
        f.trail.add(event("patient.break_glass", at, "usr_1", Map.of("break_glass_id", "bg_x", "reason_code", "CODE7")));
        assertThat(f.trail.byType).hasSizeLessThan(10);
        assertThat(f.trail.countPrefix("app.")).isEqualTo(10_000);
        assertThat(f.trail.appPatientActions).isEqualTo(5_000);
        assertThat(f.trail.breakReasonCodes).hasSize(TrailTally.MAX_REASON_CODES + 1)
                .containsEntry("CODE7", 2L).containsEntry(TrailTally.OTHER_REASON_CODES, 5_000L - TrailTally.MAX_REASON_CODES);
        assertThat(f.trail.breakReasonCodes.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(5_001);
        assertThat(f.trail.breaksOpened).hasSize(5_001);
        ComplianceReport.Report report = ComplianceReport.build(f.facts());
        assertThat(ComplianceReport.csv(report)).contains("app_recorded").doesNotContain("CODE4999");
    }

    /** Evidence of a quiet, well-set tenant, each part open for a test to change before {@link #facts()}. */
    private static final class Facts {
        final PolicyTimeline policy;
        final List<Checkpoint> checkpoints = new ArrayList<>();
        final TrailTally trail;
        final List<KeyVersion> keys = new ArrayList<>();
        final List<UserView> users = new ArrayList<>();

        Facts(PolicyTimeline policy) {
            this.policy = policy;
            this.trail = new TrailTally(FROM, TO, (after, limit) -> checkpoints.stream().filter(c -> c.seq() > after).limit(limit).toList());
        }

        ComplianceReport.Facts facts() {
            return new ComplianceReport.Facts("clinic", "Clinic", FROM, TO, NOW, "user:usr_9", 3, policy, trail,
                    new AuditVerifier.Result(true, 10, 1, 10, "h", 0, null, null), Optional.empty(), keys, Optional.empty(),
                    Optional.empty(), users, true, List.of(), List.of(), DEPLOYMENT);
        }
    }

    private static Facts facts(PolicyTimeline policy) {
        return new Facts(policy);
    }
}
