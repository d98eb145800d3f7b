package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.patient.BreakGlass;
import dev.ward.patient.PatientAccess;
import dev.ward.patient.Restriction;
import dev.ward.problem.ProblemException;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Restricted patients (an app's API key, scope {@code patients}) and the break-glass review queue (administrators).
 * Issue 12 item 6.
 */
final class PatientAccessRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final PatientAccess access;
    private final ObjectMapper json;

    PatientAccessRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, PatientAccess access,
                        ObjectMapper json) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.access = access;
        this.json = json;
    }

    void register() {
        String p = "/v1/patients/{patient_id}/access";
        routes.add(HandlerType.PUT, p, ctx -> {
            Actor.ApiKey app = credentials.requireApiKey(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            boolean restricted = body.bool("restricted");
            List<String> team = body.has("care_team") ? body.strings("care_team") : List.of();
            responses.json(ctx, 200, view(access.restrict(app, ctx.pathParam("patient_id"), restricted, team), restricted));
        });
        routes.add(HandlerType.GET, p, ctx -> {
            Actor.ApiKey app = credentials.requireApiKey(ctx);
            String patient = ctx.pathParam("patient_id");
            responses.json(ctx, 200, access.restriction(app, patient).map(r -> view(r, true))
                    .orElseGet(() -> Map.of("patient_id", patient, "restricted", false, "care_team", List.of())));
        });
        routes.add(HandlerType.DELETE, p, ctx -> {
            Actor.ApiKey app = credentials.requireApiKey(ctx);
            if (!access.lift(app, ctx.pathParam("patient_id"))) {
                throw ProblemException.notFound("patient_not_restricted", "This patient is not restricted.");
            }
            responses.noContent(ctx);
        });

        routes.add(HandlerType.GET, "/v1/admin/break-glass", ctx -> {
            Actor actor = credentials.require(ctx);
            List<Map<String, Object>> items = access.queue(actor, ctx.queryParam("tenant"), ctx.queryParam("status"),
                    HttpApi.Responses.limit(ctx)).stream().map(r -> breakGlass(r.breakGlass(), r.reads())).toList();
            responses.json(ctx, 200, Map.of("break_glass", items));
        });
        routes.add(HandlerType.POST, "/v1/admin/break-glass/{id}/review", ctx -> {
            Actor actor = credentials.require(ctx);
            access.requireReviewable(actor, ctx.pathParam("id"));
            JsonBody body = JsonBody.read(ctx, json);
            access.review(actor, ctx.pathParam("id"), body.bool("justified"), body.optString("note").orElse(null));
            responses.noContent(ctx);
        });
    }

    private static Map<String, Object> view(Restriction r, boolean restricted) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("patient_id", r.patientId());
        m.put("restricted", restricted);
        m.put("care_team", r.careTeam());
        if (restricted) {
            m.put("updated_at", Views.time(r.updatedAt()));
        }
        return m;
    }

    private static Map<String, Object> breakGlass(BreakGlass b, long reads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("user_id", b.userId());
        m.put("username", b.username());
        m.put("session_id", b.sessionId());
        m.put("patient_id", b.patientId());
        m.put("reason", b.reason());
        m.put("reason_code", b.reasonCode());
        m.put("opened_at", Views.time(b.openedAt()));
        m.put("expires_at", Views.time(b.expiresAt()));
        m.put("status", b.status());
        m.put("reads", reads);
        if (b.reviewedAt() != null) {
            m.put("reviewed_at", Views.time(b.reviewedAt()));
            m.put("reviewed_by", b.reviewedBy());
            m.put("justified", b.justified());
            m.put("note", b.note());
        }
        return m;
    }
}
