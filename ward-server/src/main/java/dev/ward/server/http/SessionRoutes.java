package dev.ward.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.jwt.SessionJwt;
import dev.ward.patient.PatientContext;
import dev.ward.problem.ProblemException;
import dev.ward.session.Session;
import dev.ward.session.SessionAttributes;
import dev.ward.session.SessionService;
import dev.ward.session.Validation;
import dev.ward.user.UserService;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The session API: validation by apps (hot path) and the holder's own session, attributes, JWT and devices. */
final class SessionRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final SessionService sessions;
    private final dev.ward.ratelimit.RequestLimits limits;
    private final SessionAttributes attributes;
    private final SessionJwt jwt;
    private final UserService users;
    private final SessionCookie cookies;
    private final ObjectMapper json;
    private final TrustedProxies proxies;
    private final BrowserGuard browsers;
    private final dev.ward.patient.PatientContexts patients;
    private final dev.ward.user.UserAttributes userAttributes;
    private final dev.ward.geo.Geolocation geo;
    private final dev.ward.server.metrics.WardMetrics metrics;

    SessionRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, HttpApi.Services s,
                  SessionCookie cookies, ObjectMapper json, TrustedProxies proxies, BrowserGuard browsers) {
        this.proxies = proxies;
        this.browsers = browsers;
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.sessions = s.sessions();
        this.limits = s.limits();
        this.attributes = s.attributes();
        this.patients = s.patients();
        this.userAttributes = s.userAttributes();
        this.geo = s.geo();
        this.metrics = s.metrics();
        this.jwt = s.jwt();
        this.users = s.users();
        this.cookies = cookies;
        this.json = json;
    }

    void register() {
        routes.add(HandlerType.POST, "/v1/sessions/validate", this::validate);
        routes.add(HandlerType.GET, "/v1/session", ctx -> {
            noCache(ctx);
            Session s = credentials.requireSessionForEnrollment(ctx).session();
            List<PatientContext> open = patients.list(s);
            Map<String, List<String>> permissions = sessions.permissionsOf(s);
            try (JsonGenerator g = responses.startJson(ctx, 200, SessionJson.sizeBound(s, open, permissions))) {
                SessionJson.write(g, s, open, permissions);
            }
        });
        routes.add(HandlerType.POST, "/v1/session/keepalive", ctx -> responses.json(ctx, 200,
                Map.of("idle_expires_at", Views.time(credentials.requireSession(ctx).session().idleExpiresAt()))));
        routes.add(HandlerType.POST, "/v1/session/jwt", ctx -> {
            SessionJwt.Issued issued = jwt.issue(credentials.requireSession(ctx).session(), browsers.publicBase(ctx));
            responses.json(ctx, 200, Map.of("access_token", issued.token(), "token_type", "Bearer",
                    "expires_in", issued.expiresInSeconds()));
        });
        routes.add(HandlerType.GET, "/v1/session/attributes/{key}", this::getAttribute);
        routes.add(HandlerType.PUT, "/v1/session/attributes/{key}", this::putAttribute);
        routes.add(HandlerType.DELETE, "/v1/session/attributes/{key}", ctx -> {
            Session s = credentials.requireSession(ctx).session();
            if (!attributes.delete(s, ctx.pathParam("key"))) {
                throw attributeNotFound();
            }
            responses.noContent(ctx);
        });
        routes.add(HandlerType.GET, "/v1/me/attributes/{key}", ctx -> {
            Session s = credentials.requireSession(ctx).session();
            noCache(ctx);
            String value = userAttributes.get(s, ctx.pathParam("key")).orElseThrow(SessionRoutes::userAttributeNotFound);
            ctx.status(200).contentType("application/json").result(value);
        });
        routes.add(HandlerType.PUT, "/v1/me/attributes/{key}", ctx -> {
            Session s = credentials.requireSession(ctx).session();
            userAttributes.put(s, ctx.pathParam("key"), compactJson(ctx));
            responses.noContent(ctx);
        });
        routes.add(HandlerType.DELETE, "/v1/me/attributes/{key}", ctx -> {
            Session s = credentials.requireSession(ctx).session();
            if (!userAttributes.delete(s, ctx.pathParam("key"))) {
                throw userAttributeNotFound();
            }
            responses.noContent(ctx);
        });
        routes.add(HandlerType.GET, "/v1/me/sessions", ctx -> {
            Session current = credentials.requireSession(ctx).session();
            List<Map<String, Object>> list = sessions.ownSessions(current).stream().map(s -> {
                Map<String, Object> v = Views.locatedSession(s, sessions.permissionsOf(s), geo);
                v.put("current", s.id().equals(current.id()));
                return v;
            }).toList();
            responses.json(ctx, 200, Map.of("sessions", list));
        });
        routes.add(HandlerType.DELETE, "/v1/me/sessions/{session_id}", ctx -> {
            Session current = credentials.requireSession(ctx).session();
            sessions.endOwn(current, ctx.pathParam("session_id"));
            if (current.id().equals(ctx.pathParam("session_id"))) {
                cookies.clear(ctx);
            }
            responses.noContent(ctx);
        });
        routes.add(HandlerType.POST, "/v1/me/sessions/revoke-others", ctx ->
                responses.json(ctx, 200, Map.of("revoked", sessions.endOthers(credentials.requireSession(ctx).session()))));
        routes.add(HandlerType.POST, "/v1/me/password", ctx -> {
            Actor.User me = credentials.requireSession(ctx).actor();
            JsonBody body = JsonBody.read(ctx, json);
            users.changeOwnPassword(me, body.secret("current_password"), body.secret("new_password"));
            cookies.clear(ctx);
            responses.noContent(ctx);
        });
    }

    /** The hot path, timed and counted by outcome for /metrics (ward_validation_seconds, ward_validations_total). */
    private void validate(Context ctx) throws IOException {
        long started = System.nanoTime();
        String outcome = "error";
        try {
            answerValidation(ctx);
            outcome = "valid";
        } catch (ProblemException refused) {
            outcome = refused.code();
            throw refused;
        } finally {
            metrics.validation(outcome, System.nanoTime() - started);
        }
    }

    private void answerValidation(Context ctx) throws IOException {
        Actor.ApiKey app = credentials.requireApiKey(ctx);
        sessions.requireValidator(app);
        JsonBody body = JsonBody.read(ctx, json);
        String token = body.string("token");
        Optional<Require> require = body.optBody("require").map(Require::of);
        switch (sessions.validateFor(app, token, body.client(proxies.client(ctx)))) {
            case Validation.Valid v when v.session().enrollmentOnly() -> {
                // Refused, but still a use: if it rotated the token, the app must learn the new one, or the holder's
                // enrolment would die with the old token's grace period.
                ProblemException refused = credentials.beyondEnrollment(ctx, v.session(), "validate");
                throw v.rotatedToken().map(t -> refused.with("rotated_token", t)).orElse(refused);
            }
            case Validation.Valid v -> {
                if (require.isPresent()) {
                    requirePermission(app, v, require.get());
                }
                // Both stores read the contexts with the session (Redis: in the touch script; SQL: on the touch's
                // connection); asking the patient store is only the fallback of a store that did not.
                List<PatientContext> open = v.patients().isPresent() ? v.patients().get() : patients.list(v.session());
                writeValid(ctx, v, open);
            }
            case Validation.Invalid i -> throw Credentials.invalid(i);
        }
    }

    /**
     * {@code {"valid":true,"session":{…},"rotated_token"?}} written straight into the response (the hot path: no map of
     * the answer is built, see {@link SessionJson}).
     */
    /** Validation's {@code "require": {"module", "action"}}: two names as policy {@code permissions} writes them. */
    private record Require(String module, String action) {
        static Require of(JsonBody r) {
            return new Require(name(r, "module"), name(r, "action"));
        }

        private static String name(JsonBody r, String field) {
            String value = r.string(field);
            if (!dev.ward.tenant.Permissions.isName(value)) {
                throw ProblemException.validation("require." + field, "require." + field
                        + " must be a name of lower-case letters, digits, '_' and '-' (at most 32), as policy permissions writes it");
            }
            return value;
        }
    }

    /**
     * {@code 403 permission_denied} (audited by the service) when none of the session's roles grants the action. The
     * validation was a use all the same: a token it rotated goes with the refusal, as with an enrolment-only session.
     */
    private void requirePermission(Actor.ApiKey app, Validation.Valid v, Require require) {
        try {
            sessions.requirePermission(app, v.session(), require.module(), require.action(),
                    () -> limits.auditDenial(v.session()));
        } catch (ProblemException refused) {
            throw v.rotatedToken().map(t -> refused.with("rotated_token", t)).orElse(refused);
        }
    }

    private void writeValid(Context ctx, Validation.Valid v, List<PatientContext> open) throws IOException {
        Map<String, List<String>> permissions = sessions.permissionsForAnswer(v.session());
        try (JsonGenerator g = responses.startJson(ctx, 200, SessionJson.sizeBound(v.session(), open, permissions))) {
            SessionJson.writeValid(g, v.session(), open, permissions, v.rotatedToken());
        }
    }

    private void getAttribute(Context ctx) {
        noCache(ctx);
        Session s = credentials.requireSession(ctx).session();
        String value = attributes.get(s, ctx.pathParam("key")).orElseThrow(SessionRoutes::attributeNotFound);
        ctx.status(200).contentType("application/json").result(value);
    }

    private void putAttribute(Context ctx) {
        Session s = credentials.requireSession(ctx).session();
        attributes.put(s, ctx.pathParam("key"), compactJson(ctx));
        responses.noContent(ctx);
    }

    /** One JSON value, compacted (duplicate keys refused), as attributes are stored. */
    private String compactJson(Context ctx) {
        byte[] raw = JsonBody.readRaw(ctx);
        String compact;
        try (var parser = json.createParser(raw)) {
            parser.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            var node = json.readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw ProblemException.validation("body", "The attribute value must be JSON.");
            }
            if (parser.nextToken() != null) {
                throw ProblemException.validation("body", "The attribute value must be one JSON value.");
            }
            compact = json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw ProblemException.validation("body", "The attribute value is not valid JSON.");
        } catch (IOException e) {
            throw ProblemException.validation("body", "The request body could not be read.");
        }
        return compact;
    }

    private static ProblemException userAttributeNotFound() {
        return ProblemException.notFound("attribute_not_found", "You have no attribute with that key.");
    }

    /**
     * Beyond the standard {@code Cache-Control: no-store}: what HTTP/1.0 caches obey, on answers that may carry patient
     * data (the session object lists the open patients; attributes are the apps' own data).
     */
    private static void noCache(Context ctx) {
        ctx.header("Pragma", "no-cache");
        ctx.header("Expires", "0");
    }

    private static ProblemException attributeNotFound() {
        return ProblemException.notFound("attribute_not_found", "This session has no attribute with that key.");
    }
}
