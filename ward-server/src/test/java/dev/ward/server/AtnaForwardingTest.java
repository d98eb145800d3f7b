package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import dev.ward.atna.AtnaForwarder;
import dev.ward.audit.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ATNA forwarding against a real rsyslog over mutual TLS ({@link Rsyslog}): what arrives, that a receiver that
 * wants Ward's certificate gets nothing without it, and that nothing is lost or duplicated when the receiver stops
 * and starts again and Ward restarts while it is down.
 */
class AtnaForwardingTest {
    /** rsyslog's %rawmsg%: the message without its RFC 5425 length prefix, one per line when the framing is right. */
    private static final Pattern MESSAGE = Pattern.compile(
            "<85>1 (\\S+) (\\S+) ward (\\d+) IHE\\+RFC-3881 \\[ward@32473 tenant=\"([a-z0-9-]+)\" seq=\"(\\d+)\" hash=\"([0-9a-f]{64})\"\\] \uFEFF(\\{.*\\})");
    private static Rsyslog rsyslog;

    @BeforeAll
    static void receiver() {
        Optional<String> missing = Rsyslog.unavailable();
        missing.ifPresent(why -> System.err.println("SKIPPED SUITE AtnaForwardingTest: " + why));
        Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        rsyslog = Rsyslog.start();
    }

    /** A test that stopped the receiver and failed before starting it again leaves it stopped: start it. */
    @BeforeEach
    void receiverRuns() {
        rsyslog.runs();
    }

    @AfterAll
    static void stopReceiver() {
        if (rsyslog != null) {
            rsyslog.close();
        }
    }

    /** Waits (in real time: the forwarder is a real thread talking to a real process) until done, at most a minute. */
    private static void eventually(String what, BooleanSupplier done) {
        Instant deadline = Instant.now().plusSeconds(60);
        while (!done.getAsBoolean()) {
            assertThat(Instant.now()).as(what).isBefore(deadline);
            Rsyslog.pauseBriefly();
        }
    }

    private static List<AuditEvent> trail(TestWard ward) {
        return ward.ward.audit().recent(null, null, 100_000);
    }

    /** (tenant, seq) of every message received, in the order received. */
    private static List<String> received(List<String> lines) {
        List<String> keys = new ArrayList<>();
        for (String line : lines) {
            Matcher m = MESSAGE.matcher(line);
            assertThat(m.matches()).as("an RFC 5424 ATNA message: " + line).isTrue();
            keys.add(m.group(4) + "/" + m.group(5));
        }
        return keys;
    }

    private static List<String> keys(List<AuditEvent> events) {
        return events.stream().map(e -> e.tenant() + "/" + e.seq()).toList();
    }

    @Test
    void eachEventArrivesAsAnAtnaSyslogMessageCarryingItsFhirAuditEvent() {
        int before = rsyslog.lines().size();
        try (TestWard ward = TestWard.configured(c -> c.withAuditSyslog(Optional.of(rsyslog.target(true))))) {
            ward.adminToken();
            ward.createTenant("clinic-atna");
            List<AuditEvent> trail = trail(ward);
            eventually("every event forwarded", () -> rsyslog.lines().size() - before >= trail.size()
                    && ward.ward.auditForwardingLag().values().stream().allMatch(n -> n == 0));

            List<String> lines = rsyslog.lines().subList(before, rsyslog.lines().size());
            assertThat(received(lines)).containsExactlyInAnyOrderElementsOf(keys(trail(ward)));
            FhirContext fhir = FhirContext.forR4();
            Map<String, AuditEvent> bySeq = new HashMap<>();
            trail(ward).forEach(e -> bySeq.put(e.tenant() + "/" + e.seq(), e));
            for (String line : lines) {
                Matcher m = MESSAGE.matcher(line);
                assertThat(m.matches()).isTrue();
                assertThat(Instant.parse(m.group(1))).isEqualTo(bySeq.get(m.group(4) + "/" + m.group(5)).at());
                assertThat(m.group(6)).as("the chain hash").isEqualTo(bySeq.get(m.group(4) + "/" + m.group(5)).hash());
                var resource = fhir.newJsonParser().parseResource(org.hl7.fhir.r4.model.AuditEvent.class, m.group(7));
                AuditEventEntityComponent record = resource.getEntity().get(resource.getEntity().size() - 1);
                assertThat(record.getWhat().getIdentifier().getValue()).isEqualTo(m.group(5));
                assertThat(resource.getSource().getSite()).isEqualTo(m.group(4));
            }
            // Per tenant, the messages arrive in seq order.
            Map<String, Long> last = new HashMap<>();
            for (String key : received(lines)) {
                String tenant = key.substring(0, key.indexOf('/'));
                long seq = Long.parseLong(key.substring(key.indexOf('/') + 1));
                assertThat(seq).isGreaterThan(last.getOrDefault(tenant, 0L));
                last.put(tenant, seq);
            }
        }
    }

    @Test
    void aReceiverThatWantsMutualTlsTakesNothingFromWardWithoutItsCertificate() {
        assertThat(AtnaForwarder.check(rsyslog.target(false), Duration.ofSeconds(5))).isPresent();
        assertThat(AtnaForwarder.check(rsyslog.target(true), Duration.ofSeconds(5))).isEmpty();
        int before = rsyslog.lines().size();
        try (TestWard ward = TestWard.configured(c -> c.withAuditSyslog(Optional.of(rsyslog.target(false))))) {
            ward.adminToken();
            // Refused, the forwarder advances nothing: the lag counts every event of the trail.
            assertThat(ward.ward.auditForwardingLag().get("system")).isEqualTo((long) trail(ward).size());
        }
        assertThat(rsyslog.lines()).hasSize(before);
    }

    @Test
    void nothingIsLostOrDuplicatedWhenTheReceiverStopsAndWardRestartsWhileItIsDown() throws Exception {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        String masterKey = Base64.getEncoder().encodeToString(key);
        try (PostgresSchema schema = PostgresSchema.create("AtnaForwardingTest")) {
            int before = rsyslog.lines().size();
            List<AuditEvent> all;
            try (TestWard first = TestWard.configured(schema.url(), masterKey, Optional.empty(),
                    c -> c.withAuditSyslog(Optional.of(rsyslog.target(true))))) {
                first.adminToken();
                eventually("the first events forwarded", () -> first.ward.auditForwardingLag().values().stream().allMatch(n -> n == 0));

                rsyslog.stop();
                // One event alone: a batch of one is where a write into a connection the receiver has closed
                // "succeeds" (only a second write would see the reset), so only looking for the closed peer saves it.
                long failedBefore = first.ward.auditForwarder().orElseThrow().failedAttempts();
                first.ward.audit().append(dev.ward.audit.AuditEntry.of("system", "alert.raised").actor("system").build());
                eventually("the forwarder has tried the lone event", () -> first.ward.auditForwarder().orElseThrow().failedAttempts() > failedBefore
                        || first.ward.auditForwardingLag().values().stream().allMatch(n -> n == 0));
                first.createTenant("while-down");
                first.createUser("while-down", "nurse", "Night-shift-Passw0rd");
                assertThat(first.ward.auditForwardingLag().values().stream().mapToLong(Long::longValue).sum()).isPositive();
            }
            try (TestWard second = TestWard.configured(schema.url(), masterKey, Optional.empty(),
                    c -> c.withAuditSyslog(Optional.of(rsyslog.target(true))))) {
                second.login("while-down", "nurse", "Night-shift-Passw0rd");
                rsyslog.resume();
                eventually("everything forwarded after the receiver is back",
                        () -> second.ward.auditForwardingLag().values().stream().allMatch(n -> n == 0));
                all = trail(second);
                // rsyslog writes its file a moment after it took the messages: give it that moment, then compare.
                Instant settled = Instant.now().plusSeconds(10);
                while (rsyslog.lines().size() - before < all.size() && Instant.now().isBefore(settled)) {
                    Rsyslog.pauseBriefly();
                }
            }
            List<String> got = received(rsyslog.lines().subList(before, rsyslog.lines().size()));
            assertThat(got).doesNotHaveDuplicates();
            assertThat(got).containsExactlyInAnyOrderElementsOf(keys(all));
        }
    }
}
