package dev.ward.server.http;

import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.function.Supplier;

/** Health and the served OpenAPI document (no authentication). */
final class OperationsRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Supplier<Map<String, Boolean>> readiness;
    private final byte[] openApi;
    private final dev.ward.jwt.SessionJwt jwt;
    private final BrowserGuard browsers;

    OperationsRoutes(RouteTable routes, HttpApi.Responses responses, Supplier<Map<String, Boolean>> readiness,
                     dev.ward.jwt.SessionJwt jwt, BrowserGuard browsers) {
        this.jwt = jwt;
        this.browsers = browsers;
        this.routes = routes;
        this.responses = responses;
        this.readiness = readiness;
        this.openApi = openApiDocument();
    }

    static byte[] openApiDocument() {
        try (InputStream in = OperationsRoutes.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void register() {
        routes.add(HandlerType.GET, "/health/live", ctx -> responses.json(ctx, 200, Map.of("status", "up")));
        routes.add(HandlerType.GET, "/health/ready", ctx -> {
            // Each store by name, so a 503 says which one is down.
            Map<String, Boolean> up = readiness.get();
            boolean all = up.values().stream().allMatch(Boolean::booleanValue);
            Map<String, String> checks = new LinkedHashMap<>();
            up.forEach((store, ok) -> checks.put(store, ok ? "up" : "down"));
            responses.json(ctx, all ? 200 : 503, Map.of("status", all ? "up" : "down", "checks", checks));
        });
        routes.add(HandlerType.GET, "/.well-known/jwks.json", ctx -> {
            responses.json(ctx, 200, jwt.jwks());
            // Public keys, safe to cache briefly; retired keys stay listed until their tokens have expired.
            ctx.header("Cache-Control", "public, max-age=60");
        });
        routes.add(HandlerType.GET, "/.well-known/openid-configuration", ctx -> {
            // The minimum a resource server needs to find the keys of this issuer (Spring's issuer-uri, for one).
            String issuer = browsers.publicBase(ctx);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("issuer", issuer);
            out.put("jwks_uri", issuer + "/.well-known/jwks.json");
            out.put("id_token_signing_alg_values_supported", java.util.List.of("EdDSA"));
            responses.json(ctx, 200, out);
            ctx.header("Cache-Control", "public, max-age=300");
        });
        routes.add(HandlerType.GET, "/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
    }
}
