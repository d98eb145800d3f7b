package dev.ward.server.http;

import io.javalin.http.HandlerType;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.function.Supplier;

/** Health, the served OpenAPI document and the browser library {@code /ward.js} (no authentication). */
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
        this.wardJs = StaticFile.of("/ward.js", "text/javascript; charset=utf-8");
    }

    private final StaticFile wardJs;

    static byte[] openApiDocument() {
        return StaticFile.bytes("/openapi.json");
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
        routes.add(HandlerType.GET, "/ward.js", this::wardJs);
    }

    /**
     * The browser library. It carries no session or patient data, so unlike everything else it may be cached (and
     * revalidated by its ETag), and any page may import it: a module script from another origin is fetched with CORS
     * and without credentials, so {@code *} is the right answer (and {@link BrowserGuard#decorate} leaves it alone).
     * {@code Cross-Origin-Resource-Policy} lets pages that isolate themselves (COEP) load it too.
     */
    private void wardJs(io.javalin.http.Context ctx) {
        ctx.header("Cache-Control", "public, max-age=600");
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.header("Cross-Origin-Resource-Policy", "cross-origin");
        wardJs.answer(ctx);
    }
}
