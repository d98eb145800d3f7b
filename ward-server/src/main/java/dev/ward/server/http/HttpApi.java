package dev.ward.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.apikey.ApiKeyService;
import dev.ward.auth.LoginService;
import dev.ward.crypto.CryptoService;
import dev.ward.crypto.MasterKeyCipher;
import dev.ward.crypto.TenantKeys;
import dev.ward.problem.ProblemException;
import dev.ward.problem.RateLimitedException;
import dev.ward.problem.ServerBusyException;
import dev.ward.problem.StoreDeadline;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.jwt.SessionJwt;
import dev.ward.mfa.MfaService;
import dev.ward.session.SessionAttributes;
import dev.ward.session.SessionService;
import dev.ward.tenant.TenantService;
import dev.ward.user.UserService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextResponse;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ward's HTTP API: conventions (problem JSON, headers, limits, access log) and the feature routes. */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final Logger access = LoggerFactory.getLogger("ward.access");

    public record Services(TenantService tenants, UserService users, ApiKeyService apiKeys, LoginService login,
                           SessionService sessions, SessionAttributes attributes, SessionJwt jwt, MfaService mfa,
                           TenantKeys keys, CryptoService crypto, dev.ward.audit.AppEvents appEvents,
                           dev.ward.audit.AuditVerifier auditVerifier, dev.ward.audit.AuditCheckpoints auditCheckpoints,
                           dev.ward.audit.CheckpointKeys checkpointKeys, dev.ward.audit.AuditSearch auditSearch,
                           dev.ward.patient.PatientContexts patients, dev.ward.patient.PatientAccess patientAccess,
                           dev.ward.alert.Alerts alerts, dev.ward.user.UserAttributes userAttributes,
                           Supplier<Map<String, Boolean>> readiness, dev.ward.geo.Geolocation geo,
                           dev.ward.ratelimit.RequestLimits limits, dev.ward.server.metrics.WardMetrics metrics,
                           dev.ward.report.ComplianceEvidence compliance) {}

    /** On every response, errors included (API.md conventions; seeds 000, 003). */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer",
            "Cache-Control", "no-store",
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");

    /** Beyond {@code Cache-Control: no-store}: for HTTP/1.0 caches and proxies, on every {@code /v1/} answer (seeds 000, 003). */
    static final Map<String, String> API_NO_CACHE = Map.of("Pragma", "no-cache", "Expires", "0");

    /**
     * How Ward meets browsers and proxies: the cookie's {@code Secure} flag behind a TLS-terminating proxy that is
     * not configured as trusted ({@code WARD_COOKIE_SECURE}), the proxies whose forwarded headers count, and Ward's
     * public URL (its own origin and JWT issuer).
     */
    public record Settings(boolean cookieSecure, TrustedProxies proxies, Optional<String> publicUrl,
                           Optional<String> metricsToken) {
        @Override
        public String toString() {
            return "Settings[cookieSecure=" + cookieSecure + ", proxies=" + proxies + ", publicUrl=" + publicUrl
                    + ", metricsToken=" + (metricsToken.isPresent() ? "<set>" : "<none>")
                    + "]";
        }
    }

    /**
     * The same headers as Jetty fields, made once: added to each request's fresh response headers, they cost it no field
     * object and no search for an earlier value, as {@code ctx.header} (a put) would (issue 13, goal 4). A later
     * {@code ctx.header} of the same name still replaces them.
     */
    private static final HttpField[] SECURITY_HEADER_FIELDS = fields(SECURITY_HEADERS);
    private static final HttpField[] API_NO_CACHE_FIELDS = fields(API_NO_CACHE);

    private static HttpField[] fields(Map<String, String> headers) {
        return headers.entrySet().stream().map(e -> new HttpField(e.getKey(), e.getValue())).toArray(HttpField[]::new);
    }

    /** Only on a response whose headers hold none of these yet (the before-handler's). */
    private static void addAll(Context ctx, HttpField[] fields) {
        HttpFields.Mutable headers = ServletContextResponse.getServletContextResponse(ctx.res()).getHeaders();
        for (HttpField f : fields) {
            headers.add(f);
        }
    }

    /** Connections the kernel may hold ready for Jetty to accept (capped by the kernel's net.core.somaxconn). */
    static final int ACCEPT_QUEUE = 1024;

    /** Javalin's default: answers from this size on are compressed for a client that accepts gzip. */
    static final int COMPRESSED_FROM = 1500;

    /** Buffer sets the pool keeps; a request that finds none free allocates one, which then joins the pool if there is room. */
    private static final int JSON_BUFFER_SETS = 64;

    private final Services services;
    private final Settings settings;
    /**
     * Jackson's buffers (parsing a body, writing an answer: some 10 KB each time) come from a pool shared by all
     * requests. Its default keeps them per thread, and every request has a virtual thread of its own, so each request
     * allocated a fresh set (issue 13).
     */
    private final ObjectMapper json = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newBoundedPool(JSON_BUFFER_SETS)).build());
    private final RouteTable routes = new RouteTable();

    public HttpApi(Services services, Settings settings) {
        this.services = services;
        this.settings = settings;
    }

    public RouteTable routes() { return routes; }

    public Javalin create() {
        TrustedProxies proxies = settings.proxies();
        SessionCookie cookies = new SessionCookie(settings.cookieSecure(), proxies);
        BrowserGuard browsers = new BrowserGuard(services.tenants(), proxies, settings.publicUrl());
        Credentials credentials = new Credentials(services.apiKeys(), services.sessions(), cookies, browsers, proxies,
                services.limits());
        Responses responses = new Responses(json);
        RequestIds requestIds = new RequestIds(proxies);
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = JsonBody.MAX_BYTES;
            config.http.generateEtags = false;
            config.contextResolver.ip = proxies::clientIp;
            // The route's template, never the path itself: paths carry patient ids and data keys (issue 12 review).
            config.requestLogger.http((ctx, ms) -> {
                // Checked first: with the access log off (WARD_ACCESS_LOG_LEVEL=WARN) a request pays nothing for it.
                if (access.isInfoEnabled()) {
                    access.info("{} {} {} {}ms {}", ctx.method().name(), routes.templateOf(ctx.path()),
                            ctx.status().getCode(), Math.round(ms), proxies.clientIp(ctx));
                }
                RequestIds.close();
            });

            config.jetty.modifyServer(server -> {
                server.setErrorHandler(new ProblemErrorHandler());
                // The listening socket's backlog: Jetty passes 0, and the JDK then asks the kernel for 50. A burst of
                // connections (a shift change's logins, 200 at once in LoginBurstHttpTest) overflowed it: the kernel
                // dropped handshakes and answered some with a reset, which a client sees as a connection closed
                // without an answer. Set just before the connector binds (Javalin adds it after this callback).
                server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
                    @Override
                    public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                        for (org.eclipse.jetty.server.Connector c : server.getConnectors()) {
                            if (c instanceof org.eclipse.jetty.server.ServerConnector sc) {
                                sc.setAcceptQueueSize(ACCEPT_QUEUE);
                            }
                        }
                    }
                });
            });
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new ProblemErrorHandler()));
            config.routes.before(ctx -> {
                // Each request has a bounded time on the database in all, however many waits it makes (issue 17).
                StoreDeadline.open();
                requestIds.open(ctx);
                addAll(ctx, SECURITY_HEADER_FIELDS);
                if (ctx.path().startsWith("/v1/")) {
                    // What HTTP/1.0 caches obey, on every API answer: set before anything can refuse the request, so
                    // that a 413 or 400 from here on a patient route carries them too (issue 12 item 8).
                    addAll(ctx, API_NO_CACHE_FIELDS);
                }
                if (ctx.req().getContentLengthLong() > JsonBody.MAX_BYTES) {
                    throw JsonBody.refuseTooLarge(ctx);
                }
                requireNoControlsInUrl(ctx);
                refuseEncodedDotSegments(ctx);
                if (countsAsPublic(ctx)) {
                    services.limits().address(dev.ward.access.Actor.SYSTEM_TENANT, proxies.clientIp(ctx));
                }
                drainUnexpectedBody(ctx);
                if (ctx.method() == io.javalin.http.HandlerType.OPTIONS) {
                    // Answered here whole: skipping the rest skips the after-handlers too.
                    options(ctx, browsers);
                    ctx.res().setContentType(null);
                    ctx.skipRemainingHandlers();
                }
            });
            config.routes.after(ctx -> {
                StoreDeadline.close();
                browsers.decorate(ctx);
                if (ctx.status().getCode() == 204 || ctx.status().getCode() == 304) {
                    // An empty answer has no media type (Javalin would otherwise call it text/plain).
                    ctx.res().setContentType(null);
                }
            });

            config.routes.exception(ProblemException.class, (e, ctx) -> Problems.write(ctx, json, e));
            config.routes.exception(StoreUnavailableException.class, (e, ctx) -> {
                log.warn("store unavailable: {}", e.store());
                Problems.write(ctx, json, new ProblemException(503, "store_unavailable", "Service unavailable",
                        (e.store().equals("redis") ? "Redis" : "The " + e.store()) + " is unavailable; try again shortly.",
                        Map.of("store", e.store())));
            });
            config.routes.exception(RateLimitedException.class, (e, ctx) -> rateLimited(ctx, e));
            config.routes.exception(ServerBusyException.class, (e, ctx) -> {
                ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
                Problems.write(ctx, json, new ProblemException(503, "server_busy", "Server busy",
                        "Ward is at capacity for password checks; retry after " + e.retryAfterSeconds() + " seconds.",
                        Map.of("retry_after", e.retryAfterSeconds())));
            });
            // A value Ward stored that no longer opens: its key version was destroyed (shredded), or it was altered.
            config.routes.exception(MasterKeyCipher.DecryptionException.class, (e, ctx) -> Problems.write(ctx, json,
                    ProblemException.unprocessable("decrypt_failed", "This value can no longer be decrypted: its key "
                            + "version was destroyed, or the stored value was altered.", Map.of())));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                switch (e.getStatus()) {
                    case 404, 405 -> unrouted(ctx);
                    case 413 -> Problems.write(ctx, json, JsonBody.refuseTooLarge(ctx));
                    default -> Problems.write(ctx, json, Problems.of(e.getStatus(), "http_error",
                            "HTTP " + e.getStatus(), "The request could not be handled."));
                }
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                String id = UUID.randomUUID().toString();
                StackTraceElement where = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
                // Class and location only: messages of driver or library exceptions may carry SQL or values.
                log.error("internal error {} on {} {}: {} at {}", id, ctx.method().name(), routes.templateOf(ctx.path()),
                        e.getClass().getName(), where);
                Problems.write(ctx, json, new ProblemException(500, "internal_error", "Internal error",
                        "Ward could not complete the request. Reference: " + id, Map.of("reference", id)));
            });
            config.routes.error(404, ctx -> {
                if (ctx.attribute(Problems.WRITTEN) == null) {
                    unrouted(ctx);
                }
            });

            routes.bind(config.routes);
            new OperationsRoutes(routes, responses, services.readiness(), services.jwt(), browsers).register();
            new ConsoleRoutes(routes).register();
            new MetricsRoutes(routes, services.metrics(), settings.metricsToken(), services.limits(),
                    proxies).register();
            new AuthRoutes(routes, responses, credentials, services.login(), services.sessions(), cookies, json, browsers, proxies).register();
            new SessionRoutes(routes, responses, credentials, services, cookies, json, proxies, browsers).register();
            new PatientRoutes(routes, responses, credentials, services.sessions(), services.patients(), cookies, json, proxies,
                    services.limits()).register();
            new PatientAccessRoutes(routes, responses, credentials, services.patientAccess(), json).register();
            new AlertRoutes(routes, responses, credentials, services.alerts()).register();
            new AdminRoutes(routes, responses, credentials, services, json).register();
            new MfaRoutes(routes, responses, credentials, services.mfa(), cookies, json).register();
            new CryptoRoutes(routes, responses, credentials, services, json).register();
            new AuditRoutes(routes, responses, credentials, services, json).register();
            new AuditChainRoutes(routes, responses, credentials, services).register();
        });
    }

    /**
     * Routes not counted per address: load balancers' probes and the metrics scraper (infrastructure polling from a few
     * addresses, which must always get an answer), and the login steps, limited per address and per username by
     * {@link LoginService}.
     */
    private static final Set<String> UNCOUNTED = Set.of("/health/live", "/health/ready", "/metrics", "/v1/auth/login",
            "/v1/auth/mfa/verify");

    /**
     * Whether a request takes the {@code system} tenant's per-address limit before anything else is done for it: a public
     * route (one outside {@code /v1/}, credentials or not, since it reads none), or an API route called without any
     * credential. A request that carries one is counted once it is read: by its key, by its session's tenant and address,
     * or, when refused, under {@code system} again ({@link Credentials}).
     */
    private boolean countsAsPublic(Context ctx) {
        String path = ctx.path();
        if (UNCOUNTED.contains(path)) {
            return false;
        }
        return !path.startsWith("/v1/") || !Credentials.carriesCredential(ctx);
    }

    /**
     * {@code OPTIONS}: a CORS preflight (an {@code Origin} and {@code Access-Control-Request-Method}) is answered for
     * origins some tenant allows; a plain one lists the methods served at the path. An unknown path is a 404.
     */
    private void options(Context ctx, BrowserGuard browsers) {
        Set<String> allowed = routes.methodsAt(ctx.path());
        if (allowed.isEmpty()) {
            throw ProblemException.notFound("not_found", "No such endpoint.");
        }
        Set<String> methods = new java.util.TreeSet<>(allowed);
        methods.add("OPTIONS");
        if (ctx.header("Origin") != null && ctx.header("Access-Control-Request-Method") != null) {
            browsers.preflight(ctx, methods);
            return;
        }
        ctx.header("Allow", String.join(", ", methods));
        ctx.status(204);
    }

    /**
     * Reads and drops a body sent with a GET or HEAD (whose routes read none), up to the request size limit, before the
     * answer is written (issue 17, item 7). Left unread, Jetty closes the connection after answering, and a client still
     * sending the body gets a reset that can swallow the answer: 2 of 33 such {@code GET /openapi.json} in the
     * reliability run.
     */
    private static void drainUnexpectedBody(Context ctx) throws java.io.IOException {
        io.javalin.http.HandlerType method = ctx.method();
        if (method != io.javalin.http.HandlerType.GET && method != io.javalin.http.HandlerType.HEAD) {
            return;
        }
        String length = ctx.header("Content-Length");
        if ((length == null || length.equals("0")) && ctx.header("Transfer-Encoding") == null) {
            return;
        }
        java.io.InputStream in = ctx.req().getInputStream();
        byte[] buffer = new byte[8192];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
            if (total > JsonBody.MAX_BYTES) {
                throw JsonBody.refuseTooLarge(ctx);
            }
        }
    }

    /**
     * Identifiers travel in paths and query parameters: a control character there (U+0000 first of all, which
     * PostgreSQL cannot even store) is refused before any route sees it.
     */
    private static void requireNoControlsInUrl(Context ctx) {
        String raw = ctx.req().getRequestURI();
        if (raw != null && (Identifiers.hasControls(raw) || hasEncodedControl(raw))) {
            throw ProblemException.validation("path", "The path must not contain control characters.");
        }
        if (ctx.req().getQueryString() == null) {
            return;
        }
        for (var param : ctx.queryParamMap().entrySet()) {
            if (Identifiers.hasControls(param.getKey())) {
                throw ProblemException.validation("query", "Query parameter names must not contain control characters.");
            }
            for (String value : param.getValue()) {
                Identifiers.requireNoControls(param.getKey(), value);
            }
        }
    }

    /**
     * A path segment that decodes to {@code .} or {@code ..} ({@code %2E%2E}, {@code .%2e}): Jetty resolves literal dot
     * segments before routing, but an encoded one reaches a route as an identifier — a patient id {@code ..} that would
     * travel on into the audit trail and FHIR references ({@code Patient/..}). Refused here for every route, as is a
     * malformed escape.
     */
    private static void refuseEncodedDotSegments(Context ctx) {
        String raw = ctx.req().getRequestURI();
        if (raw == null || raw.indexOf('%') < 0) {
            return;
        }
        // A % that does not start two hex digits (Jetty lets "%u0041" through): the route's decoding of its path
        // parameter would throw, a 500 and an error line in the log for any passer-by.
        for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
            if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0 || Character.digit(raw.charAt(i + 2), 16) < 0) {
                throw ProblemException.validation("path", "The path holds a malformed percent-escape.");
            }
        }
        for (String segment : raw.split("/", -1)) {
            String decoded = segment.replaceAll("(?i)%2e", ".");
            if (!decoded.equals(segment) && (decoded.equals(".") || decoded.equals(".."))) {
                throw ProblemException.validation("path", "A path segment must not be an encoded . or ..");
            }
        }
    }

    /** {@code %00}-{@code %1F} or {@code %7F} in a raw path. */
    private static boolean hasEncodedControl(String raw) {
        for (int i = raw.indexOf('%'); i >= 0 && i + 2 < raw.length(); i = raw.indexOf('%', i + 1)) {
            int hi = Character.digit(raw.charAt(i + 1), 16);
            int lo = Character.digit(raw.charAt(i + 2), 16);
            if (hi >= 0 && lo >= 0 && ((hi << 4 | lo) < 0x20 || (hi << 4 | lo) == 0x7f)) {
                return true;
            }
        }
        return false;
    }

    /** {@code 429 rate_limited} with {@code Retry-After} in whole seconds (API.md conventions). */
    private void rateLimited(Context ctx, RateLimitedException e) {
        ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        Problems.write(ctx, json, new ProblemException(429, "rate_limited", "Too many requests",
                e.getMessage() + "; retry after " + e.retryAfterSeconds() + " seconds.", Map.of("retry_after", e.retryAfterSeconds())));
    }

    /**
     * No route for this method and path: 405 with {@code Allow} when the path exists, else 404. An API path called with
     * credentials was not counted on the way in (no route read them): it counts here, under {@code system}.
     */
    private void unrouted(Context ctx) {
        if (!countsAsPublic(ctx)) {
            try {
                services.limits().address(dev.ward.access.Actor.SYSTEM_TENANT, settings.proxies().clientIp(ctx));
            } catch (RateLimitedException e) {
                rateLimited(ctx, e);
                return;
            }
        }
        Set<String> allowed = routes.methodsAt(ctx.path());
        if (!allowed.isEmpty()) {
            ctx.header("Allow", String.join(", ", allowed));
            Problems.write(ctx, json, Problems.of(405, "method_not_allowed", "Method not allowed",
                    ctx.method().name() + " is not allowed here; use " + String.join(", ", allowed) + "."));
        } else {
            Problems.write(ctx, json, ProblemException.notFound("not_found", "No such endpoint."));
        }
    }

    /** Writes JSON answers. */
    static final class Responses {
        private final ObjectMapper json;

        Responses(ObjectMapper json) { this.json = json; }

        void json(Context ctx, int status, Object body) {
            try {
                write(ctx.status(status).contentType("application/json"), json.writeValueAsBytes(body));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unserialisable response", e);
            }
        }

        /**
         * Answers below {@link #COMPRESSED_FROM} bytes, which Javalin would never compress, go straight into the
         * response's buffer: Javalin copies a result through an 8 KiB buffer of its own on every request (issue 13).
         * Larger ones stay Javalin's results, compressed for clients that accept gzip.
         */
        static void write(Context ctx, byte[] bytes) {
            // A result set earlier (an answer a problem now replaces) must be replaced the way it was set.
            if (bytes.length >= COMPRESSED_FROM || ctx.resultInputStream() != null) {
                ctx.result(bytes);
                return;
            }
            try {
                ctx.res().getOutputStream().write(bytes);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /**
         * A JSON answer written straight into the response by the caller, which closes the generator: nothing is built
         * first. The servlet's buffer is made at least {@code atMostBytes} long, so no byte leaves before the
         * after-handlers have added their headers (CORS), and a problem raised meanwhile still replaces the answer whole
         * ({@link Problems#write} clears the buffer).
         */
        JsonGenerator startJson(Context ctx, int status, int atMostBytes) throws IOException {
            ctx.status(status).contentType("application/json");
            HttpServletResponse res = ctx.res();
            if (res.getBufferSize() < atMostBytes) {
                res.setBufferSize(atMostBytes);
            }
            JsonGenerator g = json.getFactory().createGenerator(res.getOutputStream());
            // Closing the generator writes out what it holds, but leaves the response open and unflushed for Jetty.
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
            return g;
        }

        void noContent(Context ctx) {
            ctx.status(204);
        }

        static int limit(Context ctx) {
            String raw = ctx.queryParam("limit");
            if (raw == null) {
                return 100;
            }
            try {
                int n = Integer.parseInt(raw);
                if (n >= 1 && n <= 1000) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the validation error
            }
            throw ProblemException.validation("limit", "limit must be an integer between 1 and 1000");
        }
    }
}
