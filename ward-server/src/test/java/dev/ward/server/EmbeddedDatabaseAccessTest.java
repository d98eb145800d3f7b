package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ward.access.Actor;
import dev.ward.auth.LoginLimits;
import dev.ward.tenant.Tenant;
import dev.ward.testing.MutableClock;
import dev.ward.user.PasswordHasher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The embedded database belongs to the account that runs Ward: its data directory is private, and the TCP
 * server through which CLI commands share it listens on loopback only and wants the database's password.
 */
class EmbeddedDatabaseAccessTest {
    private static final String PRIVATE_DIRECTORY = "rwx------";
    private static final String PRIVATE_FILE = "rw-------";

    private static Ward start(Path dir) {
        Config config = new Config("127.0.0.1", 0, dir, Optional.empty(), Optional.of(TestWard.ADMIN_PASSWORD), false,
                new LoginLimits(100_000, 100_000), PasswordHasher.Params.OWASP, Duration.ofSeconds(300));
        return Ward.start(config, MutableClock.startingAt("2026-11-22T10:00:00Z"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void assertPrivate(Path dir) throws IOException {
        assertThat(mode(dir)).as(dir.toString()).isEqualTo(PRIVATE_DIRECTORY);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                assertThat(mode(f)).as(f.toString()).isEqualTo(PRIVATE_FILE);
            }
        }
    }

    @Test
    void theDataDirectoryAndEveryFileInItArePrivateFromTheStart() throws Exception {
        Path dir = Files.createTempDirectory("ward-private").resolve("ward-data");
        try (Ward ward = start(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString()))
                        .contains("ward.mv.db", "ward.lock.db", "master.key", "database.password");
            }
            assertPrivate(dir);
        }
    }

    @Test
    void looserPermissionsFoundAtStartAreTightenedWithAWarning() throws Exception {
        Path dir = Files.createTempDirectory("ward-loose").resolve("ward-data");
        start(dir).close();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("ward.mv.db"), PosixFilePermissions.fromString("rw-r--r--"));
        Logger logger = (Logger) LoggerFactory.getLogger(DataDirectory.class);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        try (Ward ward = start(dir)) {
            assertPrivate(dir);
        } finally {
            logger.detachAppender(captured);
        }
        assertThat(captured.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(m -> assertThat(m)
                .contains("Other accounts could reach the data directory").contains("(rwxr-xr-x)").contains("ward.mv.db (rw-r--r--)"));
    }

    @Test
    void aDatabaseMadeWithoutAPasswordGetsOneAndKeepsItsData() throws Exception {
        Path dir = Files.createTempDirectory("ward-legacy").resolve("ward-data");
        Files.createDirectories(dir);
        // The URL Ward used before its embedded database had a password.
        String legacyUrl = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("ward")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE;LOCK_TIMEOUT=10000";
        Flyway.configure().dataSource(legacyUrl, "", "").locations("classpath:db/migration").load().migrate();
        try (Connection c = DriverManager.getConnection(legacyUrl, "", ""); Statement s = c.createStatement()) {
            s.execute("INSERT INTO tenants (id, name, policy, policy_version, created_at) "
                    + "VALUES ('legacy', 'From before', '{}', 1, CURRENT_TIMESTAMP)");
        }

        try (Ward ward = start(dir)) {
            assertThat(ward.core().tenants().list(new Actor.Operator())).extracting(Tenant::id).contains("legacy", "system");
            assertPrivate(dir);
        }

        assertThatThrownBy(() -> DriverManager.getConnection(legacyUrl, "", "").close())
                .isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("28000");
        String password = Files.readString(dir.resolve(DataDirectory.DATABASE_PASSWORD_FILE)).trim();
        DriverManager.getConnection(legacyUrl, "", password).close();
    }

    @Test
    void anotherAccountCanNeitherReadNorWriteNorConnect() throws Exception {
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/sbin/runuser"))) {
            System.out.println("SKIPPED SUITE EmbeddedDatabaseAccessTest: acting as another account needs root and runuser");
            Assumptions.abort("needs root and runuser");
        }
        Path tools = Files.createTempDirectory("h2-tools");
        Path h2 = tools.resolve("h2.jar");
        Files.copy(Path.of(org.h2.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI()), h2);
        Files.setPosixFilePermissions(tools, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(h2, PosixFilePermissions.fromString("rw-r--r--"));
        // Where a data directory usually is: under a directory every account may pass through.
        Path parent = Files.createTempDirectory("ward-foreign");
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = parent.resolve("ward-data");

        try (Ward ward = start(dir)) {
            // What the outside review used: the lock file names H2's port and the id that addresses the database.
            Properties lock = new Properties();
            try (Reader r = Files.newBufferedReader(dir.resolve("ward.lock.db"))) {
                lock.load(r);
            }
            int port = Integer.parseInt(lock.getProperty("server").replaceAll(".*:", ""));
            String id = lock.getProperty("id");
            String password = Files.readString(dir.resolve(DataDirectory.DATABASE_PASSWORD_FILE)).trim();

            assertThat(asNobody("cat", dir.resolve("ward.lock.db").toString()).exit()).isNotZero();
            assertThat(asNobody("cat", dir.resolve("ward.mv.db").toString()).exit()).isNotZero();
            assertThat(asNobody("cat", dir.resolve("database.password").toString()).exit()).isNotZero();
            assertThat(asNobody("ls", dir.toString()).exit()).isNotZero();
            assertThat(asNobody("touch", dir.resolve("planted").toString()).exit()).isNotZero();
            assertThat(asNobody("sh", "-c", "echo x >> " + dir.resolve("ward.mv.db")).exit()).isNotZero();
            assertThat(dir.resolve("planted")).doesNotExist();

            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String tcp = "jdbc:h2:tcp://127.0.0.1:" + port + "/" + id;
            // Control: nobody can run H2's shell, and the shell reaches the server with the right password.
            assertThat(asNobody(java, "-cp", h2.toString(), "org.h2.tools.Shell", "-url", "jdbc:h2:mem:control",
                    "-sql", "SELECT 1").exit()).isZero();
            assertThat(run(List.of(java, "-cp", h2.toString(), "org.h2.tools.Shell", "-url", tcp, "-user", "",
                    "-password", password, "-sql", "SELECT COUNT(*) FROM api_keys")).exit()).isZero();
            // Even knowing port and id (which it cannot read), another account without the password is refused.
            for (String guess : new String[] {"", "sa"}) {
                Run shell = asNobody(java, "-cp", h2.toString(), "org.h2.tools.Shell", "-url", tcp, "-user", "",
                        "-password", guess, "-sql", "INSERT INTO api_keys VALUES ('x')");
                assertThat(shell.exit()).as(shell.out()).isNotZero();
                assertThat(shell.out()).contains("28000");
            }
            Run byFile = asNobody(java, "-cp", h2.toString(), "org.h2.tools.Shell", "-url",
                    "jdbc:h2:file:" + dir.resolve("ward") + ";AUTO_SERVER=TRUE;IFEXISTS=TRUE", "-user", "", "-password", "",
                    "-sql", "SELECT 1");
            assertThat(byFile.exit()).as(byFile.out()).isNotZero();

            // And the server is on loopback only: no other address of this machine reaches it.
            for (InetAddress address : NetworkInterface.networkInterfaces().flatMap(NetworkInterface::inetAddresses).toList()) {
                if (!address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    try (Socket s = new Socket()) {
                        assertThatThrownBy(() -> s.connect(new InetSocketAddress(address, port), 2000))
                                .as("H2 at " + address.getHostAddress()).isInstanceOf(IOException.class);
                    }
                }
            }
        }
    }

    record Run(int exit, String out) {}

    private static Run asNobody(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/sbin/runuser", "-u", "nobody", "--"));
        cmd.addAll(List.of(command));
        return run(cmd);
    }

    private static Run run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(Path.of("/tmp").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }
}
