package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script {@code ./ward}, run from a copy beside a jar that is never started: its "java" is a script that
 * answers the launcher's version question with the real JVM and otherwise prints the command line it was given, so the
 * test sees exactly what {@code ./ward serve} would run, and checks it with the real JVM where that decides.
 */
class LauncherTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String REAL_JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;
    private Path root;
    private Path jdk;

    @BeforeEach
    void copyTheLauncher() throws IOException {
        root = dir.resolve("ward-root");
        Files.createDirectories(root.resolve("ward-server/target"));
        Files.copy(ROOT.resolve("ward"), root.resolve("ward"));
        Files.writeString(root.resolve("ward-server/target/ward.jar"), "not run");
        jdk = dir.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        Path java = jdk.resolve("bin/java");
        Files.writeString(java, "#!/usr/bin/env bash\n"
                + "if [ \"${1:-}\" = -XshowSettings:properties ]; then exec " + REAL_JAVA + " \"$@\"; fi\n"
                + "printf 'ARG %s\\n' \"$@\"\n");
        for (Path p : List.of(dir, root, root.resolve("ward"), root.resolve("ward-server"), jdk, jdk.resolve("bin"), java)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private record Run(int exit, List<String> javaArgs, String err) {}

    /** {@code ./ward serve} with these variables, as {@code uid} when given (root ignores a directory's permissions). */
    private Run serve(Map<String, String> env, List<String> asUser) throws Exception {
        List<String> cmd = new ArrayList<>(asUser);
        cmd.addAll(List.of("bash", root.resolve("ward").toString(), "serve", "--port", "0"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("WARD_"));
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("PATH", jdk.resolve("bin") + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> args = out.lines().filter(l -> l.startsWith("ARG ")).map(l -> l.substring(4)).toList();
        return new Run(p.exitValue(), args, err);
    }

    /** The collector the real JVM runs with the options {@code ./ward serve} gives it, or its refusal. */
    private String collector(String wardJavaOpts) throws Exception {
        Run run = serve(Map.of("WARD_JAVA_OPTS", wardJavaOpts), List.of());
        assertThat(run.exit()).as(run.err()).isZero();
        List<String> cmd = new ArrayList<>(List.of(REAL_JAVA));
        for (String a : run.javaArgs()) {
            if (a.equals("-jar")) {
                break;
            }
            if (!a.startsWith("-XX:SharedArchiveFile") && !a.equals("-XX:+AutoCreateSharedArchive")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        if (p.exitValue() != 0) {
            return "refused: " + out.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        }
        return out.lines().map(String::strip)
                .filter(l -> l.matches("bool Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC +=\\s*true.*"))
                .map(l -> l.split("\\s+")[1]).findFirst().orElse("none");
    }

    @Test
    void theParallelCollectorUnlessWardJavaOptsNamesOne() throws Exception {
        assertThat(collector("")).isEqualTo("UseParallelGC");
        assertThat(collector("-XX:+UseSerialGC")).isEqualTo("UseSerialGC");
        assertThat(collector("  -Xmx300m   -XX:+UseG1GC  ")).isEqualTo("UseG1GC");
    }

    @Test
    void aCollectorAfterATabOrANewlineReplacesTheDefaultInsteadOfJoiningIt() throws Exception {
        // The java command line splits WARD_JAVA_OPTS at tabs and newlines too (an env file, a YAML block).
        assertThat(collector("-Xmx300m\t-XX:+UseSerialGC")).isEqualTo("UseSerialGC");
        assertThat(collector("-Xmx300m\n-XX:+UseSerialGC")).isEqualTo("UseSerialGC");
    }

    @Test
    void optionsThatNameNoCollectorKeepTheDefault() throws Exception {
        // "-XX:+Use" of one option and "GC" at the end of another are not a collector: the node must not fall back to
        // the JVM's own choice (G1, the resident memory decision 0022 was written against).
        assertThat(collector("-XX:+UseLargePages -XX:+DisableExplicitGC")).isEqualTo("UseParallelGC");
        assertThat(collector("-XX:+UseStringDeduplication -Xlog:gc")).isEqualTo("UseParallelGC");
    }

    @Test
    void anArchiveOlderThanTheJarIsRemoved() throws Exception {
        Path jsa = root.resolve("ward-server/target/ward-serve.jsa");
        Files.writeString(jsa, "old");
        Files.setLastModifiedTime(jsa, FileTime.from(Instant.now().minusSeconds(3600)));
        Run run = serve(Map.of(), List.of());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(jsa).doesNotExist();
        assertThat(run.javaArgs()).contains("-XX:SharedArchiveFile=" + jsa, "-jar");
    }

    @Test
    void anOldArchiveThatCannotBeRemovedDoesNotStopTheStart() throws Exception {
        Path target = root.resolve("ward-server/target");
        Path jsa = target.resolve("ward-serve.jsa");
        Files.writeString(jsa, "old");
        Files.setLastModifiedTime(jsa, FileTime.from(Instant.now().minusSeconds(3600)));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(jsa, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(target.resolve("ward.jar"), PosixFilePermissions.fromString("rw-r--r--"));
        // A read-only install: root may write anywhere, so as root the launcher runs as nobody.
        List<String> asUser = "root".equals(System.getProperty("user.name"))
                ? List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups") : List.of();
        try {
            Run run = serve(Map.of(), asUser);
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.javaArgs()).as("java was started").contains("-jar");
            assertThat(run.err()).doesNotContain("cannot remove");
            assertThat(jsa).exists();
        } finally {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
