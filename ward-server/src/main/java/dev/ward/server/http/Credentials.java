package dev.ward.server.http;

import dev.ward.access.Actor;
import dev.ward.apikey.ApiKeyService;
import dev.ward.problem.ProblemException;
import dev.ward.ratelimit.RequestLimits;
import dev.ward.session.Session;
import dev.ward.session.SessionService;
import dev.ward.session.Validation;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the one credential of a request: {@code Authorization: Bearer wak_…} (API key),
 * {@code Bearer wst_…} or the session cookie (session). Never logs or echoes what it reads.
 */
final class Credentials {
    private final ApiKeyService apiKeys;
    private final SessionService sessions;
    private final SessionCookie cookies;
    private final BrowserGuard browsers;
    private final TrustedProxies proxies;
    private final RequestLimits limits;

    Credentials(ApiKeyService apiKeys, SessionService sessions, SessionCookie cookies, BrowserGuard browsers,
                TrustedProxies proxies, RequestLimits limits) {
        this.apiKeys = apiKeys;
        this.sessions = sessions;
        this.cookies = cookies;
        this.browsers = browsers;
        this.proxies = proxies;
        this.limits = limits;
    }

    /** A live session, the token that presented it on this request, and whether it came as the cookie. */
    record Held(Session session, String token, boolean fromCookie) {
        Actor.User actor() {
            return new Actor.User(session.tenant(), session.userId(), session.username(), Set.copyOf(session.roles()), session.id());
        }

        @Override public String toString() { return "Held[" + session.id() + "]"; }
    }

    /** Any authenticated caller: an API key or a live session. */
    Actor require(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isPresent() && bearer.get().startsWith(ApiKeyService.PREFIX)) {
            return apiKey(ctx, bearer.get());
        }
        return requireSession(ctx).actor();
    }

    /** The API key, if the request carries one; a carried but invalid key is refused, never ignored. */
    Optional<Actor.ApiKey> optionalApiKey(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isEmpty()) {
            return Optional.empty();
        }
        if (bearer.get().startsWith(SessionService.TOKEN_PREFIX)) {
            return Optional.empty();
        }
        return Optional.of(apiKey(ctx, bearer.get()));
    }

    Actor.ApiKey requireApiKey(Context ctx) {
        String bearer = bearerOrNull(ctx);
        if (bearer == null) {
            throw refused(ctx, Problems.unauthenticated("This endpoint needs an API key: Authorization: Bearer wak_…"));
        }
        return apiKey(ctx, bearer);
    }

    /**
     * The caller's live session with full use (counts as a use; the connection is the client for binding).
     * When the validation rotates the token, a cookie caller gets the new cookie and a bearer caller the header
     * {@code Ward-Rotated-Token}. A session that may only enrol MFA is refused: 403 {@code mfa_enrollment_required}.
     */
    Held requireSession(Context ctx) {
        Held held = requireSessionForEnrollment(ctx);
        if (held.session().enrollmentOnly()) {
            throw beyondEnrollment(ctx, held.session(), "session");
        }
        return held;
    }

    /**
     * Any live session, including one confined to MFA enrolment (aal 0): only for {@code /v1/me/mfa/*},
     * {@code GET /v1/session} and logout. A state-changing request that presents the session as the cookie must
     * come from an allowed origin (CSRF), checked before the session is used.
     */
    Held requireSessionForEnrollment(Context ctx) {
        return requireSession(ctx, true);
    }

    /** The session a logout ends: any live one, never rotated on the way out (issue 17: no token minted for a session ending). */
    Held requireSessionToEnd(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isPresent() && bearer.get().startsWith(ApiKeyService.PREFIX)) {
            return requireSessionToEndOnBehalf(ctx, bearer.get());
        }
        return requireSession(ctx, false);
    }

    /**
     * A logout an app back-end makes for its user: its API key (scope {@code sessions}, the scope of validation) and the
     * user's token in {@code Ward-Session-Token}, as for patient contexts. The call comes from the app's server, so no
     * client is bound: under {@code session.binding} {@code strict} a logout sent with the user's own token from there
     * would end the session as a binding change instead, and the trail would say so (issue 15's Java filter found it).
     */
    private Held requireSessionToEndOnBehalf(Context ctx, String presented) {
        Actor.ApiKey app = apiKey(ctx, presented);
        sessions.requireValidator(app);
        String token = ctx.header(ON_BEHALF_HEADER);
        if (token == null || token.isBlank()) {
            throw Problems.unauthenticated("With an API key, pass the user's session token in the " + ON_BEHALF_HEADER + " header.");
        }
        return switch (sessions.validateOnBehalf(app, token.strip())) {
            case Validation.Valid v -> new Held(v.session(), v.rotatedToken().orElse(token.strip()), false);
            case Validation.Invalid i -> throw invalid(i);
        };
    }

    /**
     * The session behind a cleanup beacon ({@code POST /v1/session/patient-data/clear}, {@code /v1/session/emergency-cleanup}):
     * with the cookie, an allowed {@code Origin} is required and any body is accepted (sendBeacon sends text/plain);
     * never rotated, since a beacon's answer is never read, and a new cookie lost with it would end the session.
     */
    Held requireSessionFromBeacon(Context ctx) {
        Held held = requireSession(ctx, false, true);
        if (held.session().enrollmentOnly()) {
            throw enrollmentRequired();
        }
        return held;
    }

    private Held requireSession(Context ctx, boolean mayRotate) {
        return requireSession(ctx, mayRotate, false);
    }

    /** The header in which an app back-end passes its user's session token along with its own API key. */
    static final String ON_BEHALF_HEADER = "Ward-Session-Token";

    /**
     * The session of a patient-context call: the holder's own ({@link #requireSession}, or {@link
     * #requireSessionFromBeacon} for the two beacon routes), or, when the request carries an API key, the session whose
     * token the app back-end passes in {@code Ward-Session-Token} on its user's behalf (scope {@code patients}; the
     * session must be of the key's tenant). A rotation due on that use reaches the app as {@code Ward-Rotated-Token}.
     */
    Held requireSessionForPatients(Context ctx, boolean beacon) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isEmpty() || !bearer.get().startsWith(ApiKeyService.PREFIX)) {
            return beacon ? requireSessionFromBeacon(ctx) : requireSession(ctx);
        }
        Actor.ApiKey app = apiKey(ctx, bearer.get());
        if (!app.has(dev.ward.access.Scope.PATIENTS)) {
            throw ProblemException.insufficientScope(dev.ward.access.Scope.PATIENTS.wire());
        }
        String token = ctx.header(ON_BEHALF_HEADER);
        if (token == null || token.isBlank()) {
            throw Problems.unauthenticated("With an API key, pass the user's session token in the " + ON_BEHALF_HEADER + " header.");
        }
        return switch (sessions.validateOnBehalf(app, token.strip())) {
            case Validation.Valid v when v.session().enrollmentOnly() -> throw beyondEnrollment(ctx, v.session(), "api_key");
            case Validation.Valid v -> {
                v.rotatedToken().ifPresent(fresh -> ctx.header(ROTATED_HEADER, fresh));
                yield new Held(v.session(), v.rotatedToken().orElse(token.strip()), false);
            }
            case Validation.Invalid i -> throw invalid(i);
        };
    }

    /**
     * With {@code mayRotate} false the session is about to end or shed its patient data (logout, the cleanup beacons):
     * never refused for a rate limit, since refusing would only keep it, or the data, alive longer.
     */
    private Held requireSession(Context ctx, boolean mayRotate, boolean beacon) {
        boolean fromCookie = bearer(ctx).isEmpty();
        String token = sessionToken(ctx)
                .orElseThrow(() -> refused(ctx, Problems.unauthenticated("This endpoint needs a session token (Bearer wst_… or the session cookie).")));
        if (fromCookie && beacon) {
            browsers.requireBeaconOriginAllowed(ctx, () -> sessions.tenantOf(token));
        } else if (fromCookie) {
            browsers.requireCookieWriteAllowed(ctx, () -> sessions.tenantOf(token));
        }
        var validation = mayRotate ? sessions.validate(token, proxies.client(ctx))
                : sessions.validateWithoutRotation(token, proxies.client(ctx));
        return switch (validation) {
            case Validation.Valid v -> {
                ctx.attribute(BrowserGuard.TENANT, v.session().tenant());
                if (mayRotate) {
                    limits.address(v.session().tenant(), proxies.clientIp(ctx));
                }
                if (v.rotatedToken().isPresent()) {
                    String fresh = v.rotatedToken().get();
                    if (fromCookie) {
                        cookies.set(ctx, fresh);
                    } else {
                        ctx.header(ROTATED_HEADER, fresh);
                    }
                    yield new Held(v.session(), fresh, fromCookie);
                }
                yield new Held(v.session(), token, fromCookie);
            }
            case Validation.Invalid i -> throw refused(ctx, invalid(i));
        };
    }

    /**
     * A caller's own credential refused: counted under the {@code system} tenant's per-address limit, so a flood of
     * garbage tokens or keys is answered {@code 429} once that is spent. Each one still costs its lookup (a hash and one
     * store read): the refusal is known only after it.
     */
    private ProblemException refused(Context ctx, ProblemException refusal) {
        if (carriesCredential(ctx)) {
            // One without any was counted on the way in (HttpApi), and counts once.
            limits.address(Actor.SYSTEM_TENANT, proxies.clientIp(ctx));
        }
        return refusal;
    }

    /** Whether the request presents a credential at all: an Authorization header or a session cookie of either name. */
    static boolean carriesCredential(Context ctx) {
        return ctx.header("Authorization") != null || SessionCookie.present(ctx);
    }

    static final String ROTATED_HEADER = "Ward-Rotated-Token";

    /**
     * The refusal of a session confined to MFA enrolment that asked for more, recorded {@code session.scope_denied} for
     * the MFA-bypass detector (a refusal writes one event; a permitted request writes nothing). Cleanup beacons are
     * refused without it ({@link #requireSessionFromBeacon}): ward.js sends one from every page it closes, an enrolment
     * page included, so they would count a user who is doing nothing wrong. Written at most
     * {@code rate_limit.per_minute} times a minute per session, as {@code access.denied} (review15): through an app's
     * validation, bounded by nothing else, each page load of an enrolment-only user was a row.
     */
    ProblemException beyondEnrollment(Context ctx, Session s, String via) {
        if (limits.auditDenial(s)) {
            sessions.scopeDenied(s, ctx.method().name() + " " + ctx.endpoint().path, via);
        }
        return enrollmentRequired();
    }

    /** The session's user must enrol MFA (a role requires it) before it may do anything else. */
    static ProblemException enrollmentRequired() {
        return new ProblemException(403, "mfa_enrollment_required", "MFA enrolment required",
                "This session may only enrol MFA (/v1/me/mfa/*), show itself (GET /v1/session) and log out: "
                        + "a role of its user requires MFA, which is not set up yet.");
    }

    static ProblemException invalid(Validation.Invalid i) {
        ProblemException p = new ProblemException(401, i.code(), "Session not valid", i.detail());
        return i.reason().map(r -> p.with("reason", r)).orElse(p);
    }

    Optional<String> sessionToken(Context ctx) {
        Optional<String> bearer = bearer(ctx);
        if (bearer.isPresent()) {
            if (bearer.get().startsWith(ApiKeyService.PREFIX)) {
                throw Problems.unauthenticated("This endpoint needs a session token, not an API key.");
            }
            return bearer;
        }
        return cookies.read(ctx);
    }

    private Actor.ApiKey apiKey(Context ctx, String presented) {
        if (!presented.startsWith(ApiKeyService.PREFIX)) {
            throw refused(ctx, new ProblemException(401, "invalid_api_key", "Invalid API key", "The credentials are not a valid API key."));
        }
        Actor.ApiKey key = apiKeys.authenticate(presented).orElseThrow(() -> refused(ctx,
                new ProblemException(401, "invalid_api_key", "Invalid API key", "The API key is unknown or revoked.")));
        ctx.attribute(BrowserGuard.TENANT, key.tenant());
        // Every call made with a key counts against it, validation included: a local token on this node, from a lease
        // of the shared bucket taken once per tenth of a second's worth (decision 0028).
        limits.apiKey(key);
        return key;
    }

    private Optional<String> bearer(Context ctx) {
        return Optional.ofNullable(bearerOrNull(ctx));
    }

    /** The bearer credential, or null when the request has none (the validation hot path: no Optional). */
    private String bearerOrNull(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            return null;
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw refused(ctx, Problems.unauthenticated("Use Authorization: Bearer <token>."));
        }
        String value = header.substring(7).strip();
        if (value.isEmpty()) {
            throw refused(ctx, Problems.unauthenticated("The bearer token is empty."));
        }
        return value;
    }
}
