package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the JDK says about the libraries in the jar (protobuf under Tink touching {@code sun.misc.Unsafe}, JLine
 * loading native code) stays out of Ward's output, with the JVM options the {@code ./ward} launcher passes.
 */
class JvmWarningsTest {
    /** The options in the launcher's {@code jvm+=(...)} lines, read from the script itself. */
    private static List<String> launcherOptions() throws Exception {
        Matcher m = Pattern.compile("jvm\\+=\\(([^)]*)\\)").matcher(Files.readString(Path.of("..", "ward")));
        List<String> options = new ArrayList<>();
        while (m.find()) {
            options.addAll(List.of(m.group(1).trim().split("\\s+")));
        }
        return options;
    }

    @Test
    void keyCommandsPrintNoJdkWarnings() throws Exception {
        List<String> options = launcherOptions();
        assertThat(options).contains("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED");
        try (TestWard w = new TestWard()) {
            run(options, w.dataDir);
        }
    }

    private static void run(List<String> options, Path dir) throws Exception {
        List<String> jvm = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        jvm.addAll(options);
        for (String[] command : new String[][] {{"keys", "rotate", "--tenant", "system"}, {"keys", "rewrap", "--tenant", "system"}}) {
            List<String> cmd = new ArrayList<>(jvm);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.ward.server.cli.WardCommand"));
            cmd.addAll(List.of(command));
            cmd.addAll(List.of("--data-dir", dir.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("WARD_"));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out.lines()).as(String.join(" ", command)).noneMatch(l -> l.startsWith("WARNING:"));
        }
    }
}
