package dev.ward.store.sql;

import static dev.ward.store.sql.StoreFixture.DESK;
import static dev.ward.store.sql.StoreFixture.invalid;
import static dev.ward.store.sql.StoreFixture.sessionsKey;
import static dev.ward.store.sql.StoreFixture.validSession;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.session.Client;
import dev.ward.session.IssuedSession;
import dev.ward.session.Session;
import dev.ward.session.Validation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Client binding: a session used from another IP or user agent, under policy off, warn and strict. */
class SessionBindingTest extends StoreContract {
    private static final String TENANT = "hosp-a";
    private static final Client ELSEWHERE = new Client("198.51.100.99", DESK.userAgent());
    private static final Client OTHER_BROWSER = new Client(DESK.ip(), "curl/8.0");

    private StoreFixture w;

    @BeforeEach
    void setUp() {
        w = fixture("binding");
        w.tenant(TENANT);
    }

    private IssuedSession openUnder(String binding) {
        w.sessionPolicy(TENANT, Map.of("binding", binding));
        return w.open(TENANT, "usr_1", 1, DESK);
    }

    private Validation validateFrom(IssuedSession s, Client client) {
        return w.sessions.validateFor(sessionsKey(TENANT), s.token(), Optional.of(client));
    }

    private List<AuditEvent> bindingEvents() {
        return w.auditOf(TENANT, "session.binding_changed");
    }

    private Client storedClient(IssuedSession s) {
        return w.sessionStore.findById(s.session().id()).orElseThrow().client();
    }

    @Test
    void sessionRecordsTheClientItWasOpenedFrom() {
        IssuedSession s = openUnder("warn");
        assertThat(storedClient(s)).isEqualTo(DESK);
    }

    @Test
    void offIgnoresAChangeOfClient() {
        IssuedSession s = openUnder("off");

        Session seen = validSession(validateFrom(s, ELSEWHERE));

        assertThat(seen.client()).isEqualTo(DESK);
        assertThat(storedClient(s)).isEqualTo(DESK);
        assertThat(bindingEvents()).isEmpty();
        validSession(validateFrom(s, OTHER_BROWSER));
        validSession(validateFrom(s, DESK));
    }

    @Test
    void warnKeepsTheSessionAuditsAndRecordsTheNewClient() {
        IssuedSession s = openUnder("warn");

        Session seen = validSession(validateFrom(s, ELSEWHERE));

        assertThat(seen.client()).isEqualTo(ELSEWHERE);
        assertThat(storedClient(s)).isEqualTo(ELSEWHERE);
        assertThat(bindingEvents()).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("success");
            assertThat(e.sessionId()).isEqualTo(s.session().id());
            assertThat(e.userId()).isEqualTo("usr_1");
            assertThat(e.ip()).isEqualTo(ELSEWHERE.ip());
            assertThat(e.details()).containsEntry("policy", "warn").containsEntry("previous_ip", DESK.ip())
                    .containsEntry("ip_changed", true).containsEntry("user_agent_changed", false);
        });
        assertThat(w.auditOf(TENANT, "session.revoked")).isEmpty();
    }

    @Test
    void warnAuditsEachChangeOnlyOnce() {
        IssuedSession s = openUnder("warn");

        validSession(validateFrom(s, ELSEWHERE));
        validSession(validateFrom(s, ELSEWHERE));
        validSession(validateFrom(s, ELSEWHERE));

        assertThat(bindingEvents()).hasSize(1);
    }

    @Test
    void strictRevokesTheSessionWithReasonBindingAndAuditsBoth() {
        IssuedSession s = openUnder("strict");

        Validation.Invalid refused = invalid(validateFrom(s, ELSEWHERE));

        assertThat(refused.code()).isEqualTo("session_revoked");
        assertThat(refused.reason()).contains("binding");
        assertThat(bindingEvents()).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("denied");
            assertThat(e.details()).containsEntry("policy", "strict");
        });
        assertThat(w.auditOf(TENANT, "session.revoked")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("reason", "binding"));
        Validation.Invalid fromHome = invalid(validateFrom(s, DESK));
        assertThat(fromHome.code()).isEqualTo("session_revoked");
        assertThat(fromHome.reason()).contains("binding");
        assertThat(storedClient(s)).isEqualTo(DESK);
    }

    @Test
    void strictTreatsAChangedUserAgentAsAChange() {
        IssuedSession s = openUnder("strict");

        assertThat(invalid(validateFrom(s, OTHER_BROWSER)).reason()).contains("binding");
        assertThat(bindingEvents()).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("ip_changed", false).containsEntry("user_agent_changed", true));
    }

    @Test
    void strictAcceptsTheSameClient() {
        IssuedSession s = openUnder("strict");

        validSession(validateFrom(s, DESK));
        validSession(validateFrom(s, new Client(DESK.ip(), DESK.userAgent())));

        assertThat(bindingEvents()).isEmpty();
    }

    @Test
    void noClientFromTheAppMeansNoBindingCheck() {
        IssuedSession s = openUnder("strict");

        validSession(w.sessions.validateFor(sessionsKey(TENANT), s.token(), Optional.empty()));

        assertThat(bindingEvents()).isEmpty();
        assertThat(storedClient(s)).isEqualTo(DESK);
    }

    @Test
    void frontChannelValidationChecksTheConnectionsClient() {
        IssuedSession s = openUnder("strict");

        validSession(w.sessions.validate(s.token(), DESK));
        Validation.Invalid refused = invalid(w.sessions.validate(s.token(), ELSEWHERE));

        assertThat(refused.code()).isEqualTo("session_revoked");
        assertThat(refused.reason()).contains("binding");
    }

    @Test
    void policyChangeAppliesToLiveSessions() {
        IssuedSession s = openUnder("off");
        validSession(validateFrom(s, ELSEWHERE));

        w.sessionPolicy(TENANT, Map.of("binding", "strict"));

        assertThat(invalid(validateFrom(s, ELSEWHERE)).reason()).contains("binding");
    }
}
