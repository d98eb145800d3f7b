package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SmokeHttpTest {
    static TestWard w;

    @BeforeAll static void start() { w = new TestWard(); }
    @AfterAll static void stop() { w.close(); }

    @Test
    void adminCanLogIn() {
        assertThat(w.adminToken()).startsWith("wst_");
        assertThat(w.console).contains("Ward listening on http://127.0.0.1:");
    }
}
