package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.auth.LoginRequest;
import dev.ward.auth.LoginResult;
import dev.ward.auth.LoginService;
import dev.ward.problem.ProblemException;
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
    private final TenantService tenants;

    AuthRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, LoginService login,
               SessionService sessions, SessionCookie cookies, ObjectMapper json, TenantService tenants) {
        this.tenants = tenants;
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
        JsonBody body = JsonBody.read(ctx, json);
        String tenant = body.string("tenant");
        if (app.isEmpty()) {
            requireAllowedOrigin(ctx, tenant);
        }
        String username = body.string("username");
        String password = body.string("password");
        answer(ctx, app, login.login(app, new LoginRequest(tenant, username, password, client(ctx, app, body))));
    }

    /** The second step of a login with MFA: the challenge from {@code mfa_required} and a TOTP or backup code. */
    private void verifyMfa(Context ctx) {
        Optional<Actor.ApiKey> app = caller(ctx);
        JsonBody body = JsonBody.read(ctx, json);
        String challenge = body.string("challenge");
        String code = body.string("code");
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
    private static Client client(Context ctx, Optional<Actor.ApiKey> app, JsonBody body) {
        Optional<Client> vouched = body.client();
        return app.isPresent() && vouched.isPresent() ? vouched.get() : connectionClient(ctx);
    }

    private void answer(Context ctx, Optional<Actor.ApiKey> app, LoginResult result) {
        switch (result) {
            case LoginResult.Authenticated a -> {
                if (app.isEmpty()) {
                    cookies.set(ctx, a.issued().token());
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("status", "authenticated");
                out.put("session", Views.session(a.issued().session()));
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
                out.put("session", Views.session(e.issued().session()));
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
            case LoginResult.RateLimited rl -> {
                long seconds = Math.max(1, (rl.retryAfter().toMillis() + 999) / 1000);
                ctx.header("Retry-After", Long.toString(seconds));
                throw new ProblemException(429, "rate_limited", "Too many requests",
                        "Too many login attempts; retry after " + seconds + " seconds.", Map.of("retry_after", seconds));
            }
        }
    }

    private void logout(Context ctx) {
        Credentials.Held held = credentials.requireSessionForEnrollment(ctx);
        sessions.logout(held.session());
        cookies.clear(ctx);
        responses.noContent(ctx);
    }

    /**
     * Login CSRF: a cross-site HTML form can post text/plain but not application/json (that needs a CORS
     * preflight Ward never grants), so a browser login must be JSON.
     */
    private static void requireJson(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ProblemException(415, "unsupported_media_type", "Unsupported media type",
                    "Send the login as Content-Type: application/json.");
        }
    }

    /** A browser that says where it comes from must come from Ward itself or an origin the tenant allows. */
    private void requireAllowedOrigin(Context ctx, String tenant) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return;
        }
        String own = (ctx.req().isSecure() ? "https" : "http") + "://" + ctx.header("Host");
        boolean allowed = origin.equals(own) || tenants.cached(tenant)
                .map(t -> t.policy().allowedOrigins().contains(origin)).orElse(false);
        if (!allowed) {
            throw new ProblemException(403, "origin_not_allowed", "Origin not allowed",
                    "This origin may not sign in to this tenant; add it to the tenant's browser.allowed_origins.");
        }
    }

    static Client connectionClient(Context ctx) {
        return new Client(ctx.req().getRemoteAddr(), Optional.ofNullable(ctx.header("User-Agent")).orElse(""));
    }
}
