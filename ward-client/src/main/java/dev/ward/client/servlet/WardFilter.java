package dev.ward.client.servlet;

import dev.ward.client.EndUser;
import dev.ward.client.Validation;
import dev.ward.client.WardClient;
import dev.ward.client.WardSession;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Ward in front of a Jakarta web app (Servlet 6): every request to a protected path carries a live Ward session, or it
 * does not reach the app. The token comes from the session cookie or {@code Authorization: Bearer wst_…}; it is
 * validated with the end user's address ({@code getRemoteAddr()}, which the container resolves behind its own proxy
 * configuration) and {@code User-Agent}. A valid session is the request attribute {@link WardSession#ATTRIBUTE}, the
 * request's {@code getUserPrincipal()} and its roles for {@code isUserInRole}; a rotated token goes back as the cookie.
 *
 * <p>Otherwise: a browser ({@code Accept: text/html}) is sent to the login page (302), an API caller gets 401 problem
 * JSON with Ward's code; an enrolment-only session goes to the MFA enrolment page; a missing permission is 403; and
 * when Ward cannot vouch (down, slow, garbage, misconfigured) the answer is 503, never the app (fail closed).
 *
 * <p>Map it to {@code /*} for every dispatcher type ({@code REQUEST, FORWARD, INCLUDE, ERROR, ASYNC}): then a page
 * outside the protected paths that forwards to or includes one inside them is checked as well; a dispatch of a request
 * the filter already let through goes on unchecked.
 *
 * <p>Under {@code forward-path} ({@code /ward}) it answers the few calls {@code ward.js} makes on the app's own origin
 * (see {@link WardForwarding}). Configure it with {@link #builder} or with init parameters (see the module README).
 */
public final class WardFilter implements Filter {
    private static final System.Logger LOG = System.getLogger(WardFilter.class.getName());
    private static final java.util.regex.Pattern LEADING_SLASHES =
            java.util.regex.Pattern.compile("^(?:/|\\\\|%5c|%2f)+", java.util.regex.Pattern.CASE_INSENSITIVE);

    private WardClient ward;
    private List<ProtectedPath> paths;
    private String loginUrl;
    private String enrollmentUrl;
    private SessionCookie cookie;
    private Optional<String> forwardPath;
    private WardForwarding forwarding;

    /** For a container that creates the filter from {@code web.xml} or an annotation: configured by {@link #init}. */
    public WardFilter() {}

    private WardFilter(Builder b) {
        configure(b);
    }

    public static Builder builder(WardClient ward) { return new Builder(ward); }

    /** The filter's settings; defaults as in the module README. */
    public static final class Builder {
        private final WardClient ward;
        private final List<ProtectedPath> paths = new ArrayList<>();
        private String loginUrl = "/login";
        private String enrollmentUrl = "/mfa/enroll";
        private String cookieName = SessionCookie.DEFAULT_NAME;
        private Optional<String> forwardPath = Optional.of("/ward");
        private int maxForwardBody = WardForwarding.DEFAULT_MAX_BODY;

        private Builder(WardClient ward) { this.ward = java.util.Objects.requireNonNull(ward, "ward"); }

        /** A protected path ({@code /patients/*}); with none given, {@code /patients/*}. */
        public Builder protect(String pattern) { return protect(new ProtectedPath(pattern, Optional.empty())); }

        public Builder protect(ProtectedPath path) {
            paths.add(path);
            return this;
        }

        public Builder loginUrl(String url) {
            this.loginUrl = localUrl(url);
            return this;
        }

        public Builder mfaEnrollmentUrl(String url) {
            this.enrollmentUrl = localUrl(url);
            return this;
        }

        public Builder cookieName(String name) {
            this.cookieName = name;
            return this;
        }

        /** Where {@code ward.js} calls Ward on the app's origin ({@code /ward}); empty turns it off. */
        public Builder forwardPath(Optional<String> path) {
            this.forwardPath = path.map(p -> p.replaceAll("/+$", "")).filter(p -> !p.isEmpty()).map(Builder::localUrl);
            return this;
        }

        /** The largest body a forwarded call may carry (ward.js sends none; beacons may send a little). */
        public Builder maxForwardBody(int bytes) {
            this.maxForwardBody = bytes;
            return this;
        }

        public WardFilter build() { return new WardFilter(this); }

        private static String localUrl(String url) {
            // "//host" and "/\host" are another site to a browser.
            if (url == null || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) {
                throw new IllegalArgumentException("a URL of the app itself, starting with one '/'");
            }
            return url;
        }
    }

    private void configure(Builder b) {
        this.ward = b.ward;
        List<ProtectedPath> all = new ArrayList<>(b.paths.isEmpty() ? List.of(ProtectedPath.parse("/patients/*")) : b.paths);
        all.sort(Comparator.comparingInt(ProtectedPath::specificity).reversed());
        this.paths = List.copyOf(all);
        this.loginUrl = b.loginUrl;
        this.enrollmentUrl = b.enrollmentUrl;
        this.cookie = new SessionCookie(b.cookieName);
        this.forwardPath = b.forwardPath;
        this.forwarding = new WardForwarding(ward, cookie, b.maxForwardBody);
    }

    /**
     * Init parameters (when not built with {@link #builder}): {@code ward-url}, {@code api-key} or {@code api-key-env}
     * (the name of an environment variable holding it; default {@code WARD_API_KEY}), {@code timeout-ms} (2000),
     * {@code protected-paths} (comma-separated, each {@code /path/*} or {@code /path/*=module:action}),
     * {@code login-url}, {@code mfa-enrollment-url}, {@code cookie-name}, {@code forward-path} (empty: off).
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        if (ward != null) {
            return;
        }
        try {
            String url = param(config, "ward-url").orElseThrow(() -> new IllegalArgumentException("init parameter ward-url is required"));
            String key = param(config, "api-key").or(() -> Optional.ofNullable(
                    System.getenv(param(config, "api-key-env").orElse("WARD_API_KEY")))).orElseThrow(() ->
                    new IllegalArgumentException("init parameter api-key (or the environment variable api-key-env names) is required"));
            Duration timeout = Duration.ofMillis(Long.parseLong(param(config, "timeout-ms").orElse("2000")));
            Builder b = builder(WardClient.builder(url).apiKey(key).connectTimeout(timeout).requestTimeout(timeout).build());
            param(config, "protected-paths").ifPresent(list -> {
                for (String entry : list.split(",")) {
                    if (!entry.isBlank()) {
                        b.protect(ProtectedPath.parse(entry));
                    }
                }
            });
            param(config, "login-url").ifPresent(b::loginUrl);
            param(config, "mfa-enrollment-url").ifPresent(b::mfaEnrollmentUrl);
            param(config, "cookie-name").ifPresent(b::cookieName);
            String forward = config.getInitParameter("forward-path");
            if (forward != null) {
                b.forwardPath(Optional.of(forward.strip()));
            }
            configure(b);
        } catch (IllegalArgumentException e) {
            // The message names the parameter; the API key's value is never part of it.
            throw new ServletException("WardFilter: " + e.getMessage());
        }
    }

    private static Optional<String> param(FilterConfig config, String name) {
        return Optional.ofNullable(config.getInitParameter(name)).map(String::strip).filter(s -> !s.isEmpty());
    }

    @Override
    public void doFilter(ServletRequest rq, ServletResponse rs, FilterChain chain) throws IOException, ServletException {
        if (!(rq instanceof HttpServletRequest request) || !(rs instanceof HttpServletResponse response)) {
            chain.doFilter(rq, rs);
            return;
        }
        if (request.getDispatcherType() != DispatcherType.REQUEST && request.getAttribute(WardSession.ATTRIBUTE) != null) {
            // A forward, include, error or async dispatch of a request this filter already let through: the session
            // was validated for it (validating again would count a second use and could rotate the token twice).
            chain.doFilter(request, response);
            return;
        }
        String path = path(request);
        if (forwardPath.isPresent() && path.startsWith(forwardPath.get() + "/")) {
            forwarding.answer(request, response, path.substring(forwardPath.get().length()));
            return;
        }
        Optional<ProtectedPath> protection = paths.stream().filter(p -> p.matches(path)).findFirst();
        if (protection.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        Answers.patientPageHeaders(response);
        Optional<Credential> held = Credential.of(request, cookie);
        if (held.isEmpty()) {
            refuse(request, response, "unauthenticated", "Sign in first.");
            return;
        }
        Credential credential = held.get();
        Validation v = ward.validate(credential.token(), endUser(request), protection.get().require());
        if (v instanceof Validation.Valid valid) {
            valid.rotatedToken().ifPresent(fresh -> credential.handBack(request, response, cookie, fresh));
            request.setAttribute(WardSession.ATTRIBUTE, valid.session());
            chain.doFilter(new SignedIn(request, valid.session()), response);
        } else if (v instanceof Validation.Invalid invalid) {
            if (credential.fromCookie()) {
                cookie.clear(request, response);
            }
            refuse(request, response, invalid.code(), "The session is not valid; sign in again.");
        } else if (v instanceof Validation.Forbidden forbidden) {
            forbidden.rotatedToken().ifPresent(fresh -> credential.handBack(request, response, cookie, fresh));
            if ("mfa_enrollment_required".equals(forbidden.code()) && Answers.isBrowser(request)) {
                response.sendRedirect(request.getContextPath() + enrollmentUrl);
            } else {
                Answers.problem(response, 403, forbidden.code(), "mfa_enrollment_required".equals(forbidden.code())
                        ? "Set up a second factor first." : "Your role may not do this.");
            }
        } else {
            LOG.log(System.Logger.Level.WARNING, "Ward could not vouch for a session, request refused: {0}",
                    ((Validation.Unavailable) v).cause());
            Answers.unavailable(response);
        }
    }

    /** No live session: a browser goes to the login page (with where it was going), an API caller gets 401. */
    private void refuse(HttpServletRequest request, HttpServletResponse response, String code, String detail) throws IOException {
        if (Answers.isBrowser(request)) {
            String target = request.getContextPath() + loginUrl;
            if ("GET".equals(request.getMethod())) {
                // The URI as sent: "//evil.example/../patients/1" is /patients/1 to the container but another site to a
                // login page that redirects to its next, so leading slashes (and backslashes, plain or encoded, which
                // browsers read as slashes) become one.
                String here = LEADING_SLASHES.matcher(request.getRequestURI()).replaceFirst("/")
                        + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
                target += (loginUrl.contains("?") ? "&" : "?") + "next=" + URLEncoder.encode(here, StandardCharsets.UTF_8);
            }
            response.sendRedirect(target);
        } else {
            Answers.problem(response, 401, code, detail);
        }
    }

    /** The end user as the container sees them: behind a proxy, what its own forwarded-header configuration resolved. */
    static EndUser endUser(HttpServletRequest request) {
        return new EndUser(request.getRemoteAddr(), Optional.ofNullable(request.getHeader("User-Agent")).orElse(""));
    }

    /**
     * The container's decoded, normalised path inside the app; in an include, the included resource's (a forward, an
     * error page or an async dispatch already shows its target's).
     */
    private static String path(HttpServletRequest request) {
        boolean include = request.getDispatcherType() == DispatcherType.INCLUDE;
        Object servletPath = include ? request.getAttribute(RequestDispatcher.INCLUDE_SERVLET_PATH) : request.getServletPath();
        Object info = include ? request.getAttribute(RequestDispatcher.INCLUDE_PATH_INFO) : request.getPathInfo();
        String p = (servletPath == null ? "" : servletPath.toString()) + (info == null ? "" : info.toString());
        return p.isEmpty() ? "/" : p;
    }

    /** The request as the app sees it behind the filter: its principal is the Ward session, its roles the user's. */
    private static final class SignedIn extends HttpServletRequestWrapper {
        private final WardSession session;

        SignedIn(HttpServletRequest request, WardSession session) {
            super(request);
            this.session = session;
        }

        @Override public Principal getUserPrincipal() { return session; }

        @Override public String getRemoteUser() { return session.user().username(); }

        @Override public boolean isUserInRole(String role) { return session.hasRole(role); }

        @Override public String getAuthType() { return "WARD"; }
    }
}
