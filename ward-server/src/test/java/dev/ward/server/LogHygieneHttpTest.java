package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** No secret, token or password in any log line; no stack traces; one access-log line per request. */
class LogHygieneHttpTest {
    private static final String PLAINTEXT = "PHI-Plaintext-MRN-4711";
    // The Fernet spec's vector: key and a token of "hello".
    private static final String FERNET_KEY = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
    private static final String FERNET_TOKEN =
            "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==";

    @Test
    void logsCarryNoSecretsAndNoStackTraces() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        try (TestWard w = new TestWard()) {
            String password = "Secret-Passw0rd-xyz!";
            w.createTenant("logs");
            w.createUser("logs", "alice", password, "staff");
            String key = w.createApiKey("logs", "sessions", "crypto");
            String token = w.login("logs", "alice", password);
            w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "logs", "username", "alice", "password", "Wrong-Secret-1!")));
            w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key);
            w.get("/v1/session", token);
            w.send("POST", "/v1/auth/login", "{broken");
            String ciphertext = w.post("/v1/crypto/encrypt", TestWard.json(Map.of("field", "ssn", "plaintext", PLAINTEXT)), key)
                    .text("ciphertext");
            w.post("/v1/crypto/decrypt", TestWard.json(Map.of("field", "ssn", "ciphertext", ciphertext)), key);
            w.post("/v1/crypto/decrypt", TestWard.json(Map.of("field", "other", "ciphertext", ciphertext)), key);
            w.post("/v1/crypto/import-fernet", TestWard.json(Map.of("fernet_key", FERNET_KEY, "token", FERNET_TOKEN, "field", "f")), key);
            w.put("/v1/session/attributes/mrn", "\"" + PLAINTEXT + "\"", token);
            w.get("/v1/session/attributes/mrn", token);
            w.post("/v1/admin/tenants/logs/keys/rotate", null, w.adminToken());

            w.createTenant("mfa", Map.of());
            MfaHttpTest.Enrolled enrolled = MfaHttpTest.enrol(w, "mfa", "drgrey");
            w.clock.advance(java.time.Duration.ofSeconds(30));
            String challenge = MfaHttpTest.login(w, "mfa", "drgrey").text("challenge");
            MfaHttpTest.verify(w, challenge, "000000");
            MfaHttpTest.verify(w, challenge, enrolled.backupCodes().getFirst());
            w.ward.closeDatabaseForTest();
            w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key);

            var events = captured.list;
            long accessLines = events.stream().filter(e -> e.getLoggerName().equals("ward.access")).count();
            assertThat(accessLines).isGreaterThanOrEqualTo(9);
            for (ILoggingEvent e : events) {
                String line = e.getFormattedMessage();
                assertThat(line).doesNotContain(password, "Wrong-Secret-1!", token, key, TestWard.ADMIN_PASSWORD, "wst_", "wak_",
                        "wmc_", MfaHttpTest.PW, enrolled.secret(), enrolled.secret().toLowerCase(), challenge,
                        PLAINTEXT, FERNET_KEY, FERNET_TOKEN.substring(0, 30), "ward:v", "hello");
                for (String code : enrolled.backupCodes()) {
                    assertThat(line).doesNotContain(code);
                }
                assertThat(e.getThrowableProxy()).as("stack trace logged: " + line).isNull();
            }
        } finally {
            root.detachAppender(captured);
        }
    }
}
