package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The listening socket's backlog, as the kernel holds it. Jetty's default asked for 50 (the JDK's default for 0), and a
 * burst of 200 logins overflowed it: some connections were reset without an answer ({@code LoginBurstHttpTest}, now and
 * then). Read from {@code ss -ltn} (iproute2), whose Send-Q column is a listening socket's backlog; the kernel caps it at
 * {@code net.core.somaxconn}.
 */
class AcceptQueueTest {
    @Test
    void theServerListensWithARoomyBacklog() throws Exception {
        // Files.readString trusts the size procfs reports and read "4" of "4096" here: read it line by line instead.
        long somaxconn = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).trim());
        try (TestWard w = new TestWard()) {
            String port = w.base().substring(w.base().lastIndexOf(':') + 1);
            List<String> lines = ss(port);
            assertThat(lines).as("ss -ltn for port %s", port).isNotEmpty();
            // State Recv-Q Send-Q Local:Port Peer:Port
            long backlog = Long.parseLong(lines.get(0).trim().split("\\s+")[2]);
            assertThat(backlog).isEqualTo(Math.min(somaxconn, 1024));
        }
    }

    private static List<String> ss(String port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-ltnH", "sport = :" + port).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().filter(l -> l.startsWith("LISTEN")).toList();
    }
}
