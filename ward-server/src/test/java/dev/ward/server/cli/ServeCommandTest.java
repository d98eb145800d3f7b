package dev.ward.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code ward serve} refusing to start, with a line that says what to do. */
class ServeCommandTest {
    @Test
    void aBusyPortSuggestsAnotherWithPortAndTouchesNoData() throws Exception {
        Path dir = Files.createTempDirectory("serve-busy").resolve("data");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var r = CleanupCommandTest.ward("serve", "--host", "127.0.0.1", "--port", String.valueOf(taken.getLocalPort()),
                    "--data-dir", dir.toString());
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("port " + taken.getLocalPort() + " on 127.0.0.1 is in use")
                    .contains("--port " + (taken.getLocalPort() + 1));
            assertThat(r.out()).doesNotContain("bootstrap");
            assertThat(dir).doesNotExist();
        }
    }
}
