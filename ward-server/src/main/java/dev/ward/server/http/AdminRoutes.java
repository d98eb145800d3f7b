package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.access.Actor;
import dev.ward.apikey.IssuedApiKey;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The admin API: tenants, users, API keys, login history. Authorization is decided by the services. */
final class AdminRoutes {
    private static final String T = "/v1/admin/tenants/{tenant}";

    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final HttpApi.Services s;
    private final ObjectMapper json;

    AdminRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, HttpApi.Services services,
                ObjectMapper json) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.s = services;
        this.json = json;
    }

    void register() {
        routes.add(HandlerType.POST, "/v1/admin/tenants", ctx -> {
            Actor actor = credentials.require(ctx);
            s.tenants().requireSystemAdmin(actor);
            JsonBody body = JsonBody.read(ctx, json);
            var tenant = s.tenants().create(actor, body.string("id"), body.string("name"),
                    body.optObject("policy").orElse(Map.of()));
            responses.json(ctx, 201, Views.tenant(tenant));
        });
        routes.add(HandlerType.GET, "/v1/admin/tenants", ctx -> responses.json(ctx, 200,
                Map.of("tenants", s.tenants().list(credentials.require(ctx)).stream().map(Views::tenant).toList())));
        routes.add(HandlerType.GET, T, ctx -> responses.json(ctx, 200,
                Views.tenant(s.tenants().get(credentials.require(ctx), ctx.pathParam("tenant")))));
        routes.add(HandlerType.PATCH, T, ctx -> {
            Actor actor = admin(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            responses.json(ctx, 200, Views.tenant(s.tenants().updatePolicy(actor, ctx.pathParam("tenant"), body.object("policy"))));
        });

        routes.add(HandlerType.POST, T + "/users", ctx -> {
            Actor actor = admin(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            var user = s.users().create(actor, ctx.pathParam("tenant"), body.string("username"), body.secret("password"),
                    body.strings("roles"));
            responses.json(ctx, 201, Views.user(user));
        });
        routes.add(HandlerType.GET, T + "/users", ctx -> responses.json(ctx, 200, Map.of("users",
                s.users().list(credentials.require(ctx), ctx.pathParam("tenant")).stream().map(Views::user).toList())));
        routes.add(HandlerType.GET, T + "/users/{user_id}", ctx -> responses.json(ctx, 200,
                Views.user(s.users().get(credentials.require(ctx), ctx.pathParam("tenant"), ctx.pathParam("user_id")))));
        routes.add(HandlerType.PUT, T + "/users/{user_id}/roles", ctx -> {
            Actor actor = admin(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            responses.json(ctx, 200, Views.user(s.users().setRoles(actor, ctx.pathParam("tenant"), ctx.pathParam("user_id"),
                    body.strings("roles"))));
        });
        routes.add(HandlerType.POST, T + "/users/{user_id}/unlock", ctx -> {
            s.users().unlock(credentials.require(ctx), ctx.pathParam("tenant"), ctx.pathParam("user_id"));
            responses.noContent(ctx);
        });
        routes.add(HandlerType.POST, T + "/users/{user_id}/disable", ctx -> {
            s.users().disable(credentials.require(ctx), ctx.pathParam("tenant"), ctx.pathParam("user_id"));
            responses.noContent(ctx);
        });
        routes.add(HandlerType.POST, T + "/users/{user_id}/enable", ctx -> {
            s.users().enable(credentials.require(ctx), ctx.pathParam("tenant"), ctx.pathParam("user_id"));
            responses.noContent(ctx);
        });
        routes.add(HandlerType.POST, T + "/users/{user_id}/reset-mfa", ctx -> {
            s.mfa().reset(credentials.require(ctx), ctx.pathParam("tenant"), ctx.pathParam("user_id"));
            responses.noContent(ctx);
        });

        routes.add(HandlerType.POST, T + "/api-keys", ctx -> {
            Actor actor = admin(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            IssuedApiKey issued = s.apiKeys().create(actor, ctx.pathParam("tenant"), body.string("name"), body.strings("scopes"));
            Map<String, Object> out = new LinkedHashMap<>(Views.apiKey(issued.apiKey()));
            out.put("key", issued.key());
            responses.json(ctx, 201, out);
        });
        routes.add(HandlerType.GET, T + "/api-keys", ctx -> responses.json(ctx, 200, Map.of("api_keys",
                s.apiKeys().list(credentials.require(ctx), ctx.pathParam("tenant")).stream().map(Views::apiKey).toList())));
        routes.add(HandlerType.DELETE, T + "/api-keys/{key_id}", ctx -> {
            s.apiKeys().revoke(credentials.require(ctx), ctx.pathParam("tenant"), ctx.pathParam("key_id"));
            responses.noContent(ctx);
        });

        routes.add(HandlerType.POST, T + "/users/{user_id}/password", ctx -> {
            Actor actor = admin(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            s.users().setPassword(actor, ctx.pathParam("tenant"), ctx.pathParam("user_id"), body.secret("password"));
            responses.noContent(ctx);
        });

        routes.add(HandlerType.GET, "/v1/admin/login-history", this::loginHistory);

        routes.add(HandlerType.GET, "/v1/admin/sessions", ctx -> {
            Actor actor = credentials.require(ctx);
            var list = s.sessions().adminList(actor, blankToNull(ctx.queryParam("tenant")), blankToNull(ctx.queryParam("user_id")),
                    HttpApi.Responses.limit(ctx));
            responses.json(ctx, 200, Map.of("sessions", list.stream().map(x -> Views.locatedSession(x, s.sessions().permissionsOf(x), s.geo())).toList()));
        });
        routes.add(HandlerType.DELETE, "/v1/admin/sessions/{session_id}", ctx -> {
            s.sessions().adminEnd(credentials.require(ctx), ctx.pathParam("session_id"));
            responses.noContent(ctx);
        });
        routes.add(HandlerType.POST, "/v1/admin/signing-keys/rotate", ctx ->
                responses.json(ctx, 200, Map.of("kid", s.jwt().rotate(credentials.require(ctx)))));
    }

    /** The caller, refused unless they administer the path's tenant: checked before any body is read. */
    private Actor admin(Context ctx) {
        Actor actor = credentials.require(ctx);
        s.tenants().requireAdminOf(actor, ctx.pathParam("tenant"));
        return actor;
    }

    private void loginHistory(Context ctx) {
        Actor actor = credentials.require(ctx);
        List<Map<String, Object>> attempts = s.login().history(actor, blankToNull(ctx.queryParam("tenant")),
                blankToNull(ctx.queryParam("username")), HttpApi.Responses.limit(ctx)).stream().map(Views::loginAttempt).toList();
        responses.json(ctx, 200, Map.of("attempts", attempts));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
