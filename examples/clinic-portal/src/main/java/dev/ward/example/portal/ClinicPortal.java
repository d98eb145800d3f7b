package dev.ward.example.portal;

import dev.ward.client.WardClient;
import dev.ward.client.servlet.SessionCookie;
import dev.ward.client.servlet.WardFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A small clinic portal that leaves sessions to Ward: embedded Jetty 12 with {@link WardFilter} in front of
 * {@code /patients/*} (and answering ward.js's calls under {@code /ward/*}), a sign-in with MFA, the patient list and
 * charts. Run it with {@code ./ward example}, or on its own with the settings of {@link Settings#fromEnvironment}.
 */
public final class ClinicPortal implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    /**
     * The portal's settings. {@code wardTimeout} bounds each call to Ward: validations fail closed after it, and a
     * sign-in waits for Ward's password hashing within it.
     */
    public record Settings(String wardUrl, String apiKey, String tenant, String host, int port, Duration wardTimeout,
                           int idleWarningSeconds, int hiddenCleanupSeconds) {
        /**
         * {@code WARD_URL} (http://127.0.0.1:8080), {@code WARD_API_KEY} (required; scopes sessions and patients),
         * {@code PORTAL_TENANT} (clinic), {@code PORTAL_HOST} (127.0.0.1), {@code PORTAL_PORT} (8081),
         * {@code PORTAL_WARD_TIMEOUT_MS} (5000), {@code PORTAL_IDLE_WARNING_SECONDS} (120),
         * {@code PORTAL_HIDDEN_CLEANUP_SECONDS} (300).
         */
        public static Settings fromEnvironment(Map<String, String> env) {
            String key = env.get("WARD_API_KEY");
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("WARD_API_KEY is required (an API key of the tenant with scopes sessions and patients)");
            }
            return new Settings(env.getOrDefault("WARD_URL", "http://127.0.0.1:8080"), key.strip(),
                    env.getOrDefault("PORTAL_TENANT", "clinic"), env.getOrDefault("PORTAL_HOST", "127.0.0.1"),
                    Integer.parseInt(env.getOrDefault("PORTAL_PORT", "8081")),
                    Duration.ofMillis(Long.parseLong(env.getOrDefault("PORTAL_WARD_TIMEOUT_MS", "5000"))),
                    Integer.parseInt(env.getOrDefault("PORTAL_IDLE_WARNING_SECONDS", "120")),
                    Integer.parseInt(env.getOrDefault("PORTAL_HIDDEN_CLEANUP_SECONDS", "300")));
        }

        @Override public String toString() { return "Settings[" + wardUrl + ", tenant " + tenant + ", port " + port + "]"; }
    }

    private ClinicPortal(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** Starts the portal; it listens once this returns. */
    public static ClinicPortal start(Settings settings) throws Exception {
        WardClient ward = WardClient.builder(settings.wardUrl()).apiKey(settings.apiKey())
                .connectTimeout(settings.wardTimeout()).requestTimeout(settings.wardTimeout()).build();
        SessionCookie cookie = new SessionCookie(SessionCookie.DEFAULT_NAME);

        ServletContextHandler app = new ServletContextHandler();
        app.setContextPath("/");
        // Ward in front of the patient pages, and ward.js's calls answered under /ward on this origin.
        WardFilter filter = WardFilter.builder(ward).protect("/patients/*").loginUrl("/login")
                .mfaEnrollmentUrl("/mfa/enroll").forwardPath(Optional.of("/ward")).build();
        app.addFilter(new FilterHolder(filter), "/*", EnumSet.allOf(DispatcherType.class));
        SignIn signIn = new SignIn(settings, ward, cookie);
        app.addServlet(new ServletHolder(signIn), "/login");
        app.addServlet(new ServletHolder(signIn), "/login/mfa");
        app.addServlet(new ServletHolder(new Enrolment(settings, ward, cookie)), "/mfa/enroll");
        app.addServlet(new ServletHolder(new SignOut(settings, ward, cookie)), "/logout");
        app.addServlet(new ServletHolder(new PatientPages(settings, ward, cookie)), "/patients/*");
        app.addServlet(new ServletHolder(new StaticFiles()), "/static/*");
        app.addServlet(new ServletHolder(new Home()), "/");

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        server.addConnector(connector);
        server.setHandler(app);
        server.start();
        return new ClinicPortal(server, connector);
    }

    public int port() { return connector.getLocalPort(); }

    public String url() { return "http://" + connector.getHost() + ":" + port(); }

    /** Blocks until the portal stops. */
    public void join() throws InterruptedException { server.join(); }

    @Override
    public void close() throws Exception { server.stop(); }

    /** {@code /}: the patient list (which sends a browser without a session to sign in); anything else is 404. */
    private static final class Home extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse res) throws java.io.IOException {
            if ("/".equals(req.getServletPath()) && req.getPathInfo() == null) {
                res.sendRedirect("/patients/");
            } else {
                res.sendError(404);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        ClinicPortal portal = start(Settings.fromEnvironment(System.getenv()));
        System.out.println("Clinic portal listening on " + portal.url());
        portal.join();
    }
}
