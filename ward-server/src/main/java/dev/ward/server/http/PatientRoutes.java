package dev.ward.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.patient.PatientContext;
import dev.ward.patient.PatientContexts;
import dev.ward.problem.ProblemException;
import dev.ward.ratelimit.RequestLimits;
import dev.ward.session.Session;
import dev.ward.session.SessionService;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Patient contexts of the holder's session (C6): open, list, the sealed data cache, close, clear, and the emergency
 * cleanup. The last two are beacon-safe: what {@code navigator.sendBeacon} sends (the cookie, an {@code Origin}, a
 * text/plain body or none) is all they need. An app back-end may make every call on its user's behalf with its API key
 * (scope {@code patients}) and the user's token in {@code Ward-Session-Token}. Every answer here says it must not be
 * cached anywhere. The calls that move patient data count against the session's {@code rate_limit.per_minute}.
 */
final class PatientRoutes {
    /** Beyond the standard set: what old HTTP/1.0 caches and proxies obey (seeds 000, 003). */
    private static final Map<String, String> NO_CACHE = Map.of("Cache-Control", "no-store", "Pragma", "no-cache",
            "Expires", "0");

    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final SessionService sessions;
    private final PatientContexts patients;
    private final SessionCookie cookies;
    private final ObjectMapper json;
    private final TrustedProxies proxies;

    private final RequestLimits limits;

    PatientRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, SessionService sessions,
                  PatientContexts patients, SessionCookie cookies, ObjectMapper json, TrustedProxies proxies,
                  RequestLimits limits) {
        this.limits = limits;
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.sessions = sessions;
        this.patients = patients;
        this.cookies = cookies;
        this.json = json;
        this.proxies = proxies;
    }

    void register() {
        routes.add(HandlerType.GET, "/v1/session/patients", noCache(ctx -> {
            Session s = patientDataSession(ctx);
            responses.json(ctx, 200, Map.of("patients", patients.list(s).stream().map(Views::patientContext).toList()));
        }));
        routes.add(HandlerType.POST, "/v1/session/patients/{patient_id}", noCache(ctx -> {
            Session s = patientDataSession(ctx);
            JsonBody body = JsonBody.readOptional(ctx, json);
            var request = new dev.ward.patient.PatientAccess.OpenRequest(body.optString("reason"),
                    body.has("break_glass") && body.bool("break_glass"), body.optString("reason_code"));
            PatientContext c = patients.open(s, ctx.pathParam("patient_id"), request, ip(ctx));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("patient_id", c.patientId());
            out.put("opened_at", Views.time(c.openedAt()));
            out.put("expires_at", Views.time(c.expiresAt()));
            out.put("break_glass", c.breakGlass());
            responses.json(ctx, 200, out);
        }));
        routes.add(HandlerType.DELETE, "/v1/session/patients/{patient_id}", noCache(ctx -> {
            Session s = credentials.requireSessionForPatients(ctx, false).session();
            patients.close(s, ctx.pathParam("patient_id"), ip(ctx));
            responses.noContent(ctx);
        }));
        routes.add(HandlerType.GET, "/v1/session/patients/{patient_id}/data/{key}", noCache(ctx -> {
            Session s = patientDataSession(ctx);
            String value = patients.read(s, ctx.pathParam("patient_id"), ctx.pathParam("key"), ip(ctx))
                    .orElseThrow(PatientRoutes::dataNotFound);
            ctx.status(200).contentType("application/json").result(value);
        }));
        routes.add(HandlerType.PUT, "/v1/session/patients/{patient_id}/data/{key}", noCache(ctx -> {
            Session s = patientDataSession(ctx);
            patients.write(s, ctx.pathParam("patient_id"), ctx.pathParam("key"), compactJson(ctx), ip(ctx));
            responses.noContent(ctx);
        }));
        routes.add(HandlerType.DELETE, "/v1/session/patients/{patient_id}/data/{key}", noCache(ctx -> {
            Session s = patientDataSession(ctx);
            if (!patients.deleteData(s, ctx.pathParam("patient_id"), ctx.pathParam("key"), ip(ctx))) {
                throw dataNotFound();
            }
            responses.noContent(ctx);
        }));
        routes.add(HandlerType.POST, "/v1/session/patient-data/clear", noCache(ctx -> {
            Session s = credentials.requireSessionForPatients(ctx, true).session();
            responses.json(ctx, 200, Map.of("cleared", patients.clearAll(s, ip(ctx))));
        }));
        routes.add(HandlerType.POST, "/v1/session/emergency-cleanup", noCache(ctx -> {
            Credentials.Held held = credentials.requireSessionForPatients(ctx, true);
            int cleared = sessions.emergencyCleanup(held.session());
            if (held.fromCookie()) {
                cookies.clear(ctx);
            }
            responses.json(ctx, 200, Map.of("cleared", cleared, "terminated", true));
        }));
    }

    /**
     * The session of a call that reads or writes patient data (list, open, break-glass, the data cache), within its
     * {@code rate_limit.per_minute}. Closing a context, clearing and the emergency cleanup are never limited: they end
     * exposure, and refusing them would keep patient data around longer.
     */
    private Session patientDataSession(Context ctx) {
        Session s = credentials.requireSessionForPatients(ctx, false).session();
        limits.patientData(s);
        return s;
    }

    /** The no-cache headers go on first, so that errors carry them too. */
    private static io.javalin.http.Handler noCache(io.javalin.http.Handler handler) {
        return ctx -> {
            NO_CACHE.forEach(ctx::header);
            handler.handle(ctx);
        };
    }

    private String ip(Context ctx) {
        return proxies.clientIp(ctx);
    }

    /** One JSON value, compacted (duplicate keys refused), as the data cache stores it. */
    private String compactJson(Context ctx) {
        byte[] raw = JsonBody.readRaw(ctx);
        try (var parser = json.createParser(raw)) {
            parser.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            var node = json.readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw ProblemException.validation("body", "The patient data value must be JSON.");
            }
            if (parser.nextToken() != null) {
                throw ProblemException.validation("body", "The patient data value must be one JSON value.");
            }
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw ProblemException.validation("body", "The patient data value is not valid JSON.");
        } catch (IOException e) {
            throw ProblemException.validation("body", "The request body could not be read.");
        }
    }

    private static ProblemException dataNotFound() {
        return ProblemException.notFound("patient_data_not_found", "This patient context holds no data under that key.");
    }
}
