package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.audit.AppEvents;
import io.javalin.http.HandlerType;
import java.util.Map;

/** The audit trail: apps' own events. */
final class AuditRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final AppEvents appEvents;
    private final ObjectMapper json;

    AuditRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, HttpApi.Services s, ObjectMapper json) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.appEvents = s.appEvents();
        this.json = json;
    }

    void register() {
        routes.add(HandlerType.POST, "/v1/audit/events", ctx -> {
            Actor.ApiKey app = credentials.requireApiKey(ctx);
            appEvents.requireRecorder(app);
            JsonBody body = JsonBody.read(ctx, json);
            long seq = appEvents.record(app, body.string("type"), body.optString("user_id").orElse(null),
                    body.optString("patient_id").orElse(null), body.optObject("details").orElse(Map.of()));
            responses.json(ctx, 201, Map.of("seq", seq));
        });
    }
}
