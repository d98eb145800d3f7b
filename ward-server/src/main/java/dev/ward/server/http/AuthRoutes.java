package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.auth.LoginRequest;
import dev.ward.auth.LoginResult;
import dev.ward.auth.LoginService;
import dev.ward.problem.ProblemException;
import dev.ward.problem.RateLimitedException;
import dev.ward.session.Client;
import dev.ward.session.SessionService;
import dev.ward.tenant.TenantService;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Login (password, then a second factor where the account has MFA) and logout. */
final class AuthRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final LoginService login;
    private final SessionService sessions;
    private final SessionCookie cookies;
    private final ObjectMapper json;
    private final BrowserGuard browsers;
    private final TrustedProxies proxies;

    AuthRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, LoginService login,
               SessionService sessions, SessionCookie cookies, ObjectMapper json, BrowserGuard browsers, TrustedProxies proxies) {
        this.browsers = browsers;
        this.proxies = proxies;
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.login = login;
        this.sessions = sessions;
        this.cookies = cookies;
        this.json = json;
    }

    void register() {
        routes.add(HandlerType.POST, "/v1/auth/login", this::login);
        routes.add(HandlerType.POST, "/v1/auth/mfa/verify", this::verifyMfa);
        routes.add(HandlerType.POST, "/v1/auth/logout", this::logout);
    }

    private void login(Context ctx) {
        Optional<Actor.ApiKey> app = caller(ctx);
        JsonBody body = JsonBody.readUnchecked(ctx, json);
        LoginRequest request;
        try {
            body.requireNoNul();
            String tenant = body.string("tenant");
            if (app.isEmpty()) {
                ctx.attribute(BrowserGuard.TENANT, tenant);
                browsers.requireLoginOriginAllowed(ctx, tenant);
            }
            request = new LoginRequest(tenant, body.string("username"), body.secret("password"), client(ctx, app, body));
        } catch (ProblemException invalid) {
            if (!"validation_failed".equals(invalid.code())) {
                throw invalid;
            }
            // A malformed attempt is still an attempt: it goes into the login history (as printable text) and the
            // audit trail, after the per-address limit, like any other refused login.
            answerRefusal(ctx, login.refuseMalformed(app, body.printable("tenant"), body.printable("username"),
                    proxies.client(ctx)));
            throw invalid;
        }
        answer(ctx, app, login.login(app, request));
    }

    /** The second step of a login with MFA: the challenge from {@code mfa_required} and a TOTP or backup code. */
    private void verifyMfa(Context ctx) {
        Optional<Actor.ApiKey> app = caller(ctx);
        JsonBody body = JsonBody.read(ctx, json);
        String challenge = body.string("challenge");
        String code = body.secret("code");
        answer(ctx, app, login.verifyMfa(app, challenge, code, client(ctx, app, body).ip()));
    }

    /** A back-end's API key, or none for a browser, which must then send JSON. */
    private Optional<Actor.ApiKey> caller(Context ctx) {
        Optional<Actor.ApiKey> app = credentials.optionalApiKey(ctx);
        if (app.isEmpty()) {
            requireJson(ctx);
        }
        return app;
    }

    /** The client object is trusted only from an API-key caller; a browser is what the connection says. */
    private Client client(Context ctx, Optional<Actor.ApiKey> app, JsonBody body) {
        Client connection = proxies.client(ctx);
        // Checked whoever sends it (a malformed field is a 400 for everyone), believed only from a back-end.
        Optional<Client> vouched = body.client(connection);
        return app.isPresent() ? vouched.orElse(connection) : connection;
    }

    /** Only a rate limit changes the answer to a malformed login; otherwise the validation problem stands. */
    private static void answerRefusal(Context ctx, LoginResult result) {
        if (result instanceof LoginResult.RateLimited rl) {
            throw rateLimited(rl);
        }
    }

    /** Answered {@code 429 rate_limited} with {@code Retry-After} by HttpApi, as every rate limit is. */
    private static RateLimitedException rateLimited(LoginResult.RateLimited rl) {
        return new RateLimitedException("login attempts", rl.retryAfter());
    }

    private void answer(Context ctx, Optional<Actor.ApiKey> app, LoginResult result) {
        switch (result) {
            case LoginResult.Authenticated a -> {
                if (app.isEmpty()) {
                    cookies.set(ctx, a.issued().token());
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", "authenticated");
                out.put("session", Views.session(a.issued().session(), a.permissions()));
                out.put("token", a.issued().token());
                out.put("user", Views.userRef(a.user().id(), a.user().username(), a.user().roles()));
                responses.json(ctx, 200, out);
            }
            case LoginResult.MfaRequired m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", "mfa_required");
                out.put("challenge", m.challenge());
                out.put("methods", List.of("totp", "backup_code"));
                out.put("expires_at", Views.time(m.expiresAt()));
                responses.json(ctx, 200, out);
            }
            case LoginResult.EnrollmentRequired e -> {
                if (app.isEmpty()) {
                    cookies.set(ctx, e.issued().token());
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", "mfa_enrollment_required");
                out.put("token", e.issued().token());
                out.put("session", Views.session(e.issued().session(), e.permissions()));
                responses.json(ctx, 200, out);
            }
            case LoginResult.Rejected r when r.challengeInvalid() -> throw new ProblemException(401, "mfa_challenge_invalid",
                    "MFA challenge not valid", "The challenge is unknown, expired, used, or has seen too many wrong codes; log in again.");
            case LoginResult.Rejected r when LoginResult.Rejected.WRONG_MFA_CODE.equals(r.reason()) -> throw new ProblemException(401,
                    "invalid_mfa_code", "Invalid MFA code", "The code is not valid: wrong, expired, or already used.");
            case LoginResult.Rejected r -> throw new ProblemException(401, "invalid_credentials", "Invalid credentials",
                    "The username or password is incorrect, or the account cannot sign in right now.");
            case LoginResult.SessionLimitReached l -> throw new ProblemException(409, "session_limit_reached",
                    "Session limit reached", "This account already has " + l.limit()
                    + " active sessions; sign out of one of them first.", Map.of("limit", l.limit()));
            case LoginResult.RateLimited rl -> throw rateLimited(rl);
            case LoginResult.LocationNotAllowed n -> throw new ProblemException(403, "location_not_allowed",
                    "Location not allowed", "This organisation does not accept sign-ins from where this request comes from.");
        }
    }

    private void logout(Context ctx) {
        Credentials.Held held = credentials.requireSessionToEnd(ctx);
        sessions.logout(held.session());
        cookies.clear(ctx);
        responses.noContent(ctx);
    }

    /**
     * Login CSRF: a cross-site HTML form can post text/plain but not application/json (that needs a CORS
     * preflight, which only allowed origins pass), so a browser login must be JSON.
     */
    private static void requireJson(Context ctx) {
        if (!BrowserGuard.isJson(ctx)) {
            throw BrowserGuard.unsupportedMediaType();
        }
    }
}
