package dev.ward.server.http;

import dev.ward.access.Actor;
import dev.ward.audit.AuditVerifier;
import dev.ward.audit.Checkpoint;
import dev.ward.problem.ProblemException;
import dev.ward.problem.StoreDeadline;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit chain's integrity (docs/decisions/0012-audit-checkpoints.md): verification, signed checkpoints and the
 * keys that sign them. Authorization is decided by the services: an administrator of the tenant (a system
 * administrator for every tenant); rotating the checkpoint key, system administrators only.
 */
final class AuditChainRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final HttpApi.Services s;

    AuditChainRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, HttpApi.Services services) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.s = services;
    }

    void register() {
        routes.add(HandlerType.GET, "/v1/admin/audit/verify", ctx -> {
            // A walk of the whole chain: each page keeps its bounded waits, the request no total (decision 0021).
            StoreDeadline.close();
            Actor actor = credentials.require(ctx);
            AuditVerifier.Result r = s.auditVerifier().verify(actor, tenant(ctx, actor), n -> { });
            responses.json(ctx, 200, r.answer());
        });
        routes.add(HandlerType.GET, "/v1/admin/audit/checkpoints", ctx -> {
            Actor actor = credentials.require(ctx);
            Map<String, Object> listing = s.auditCheckpoints().list(actor, tenant(ctx, actor), HttpApi.Responses.limit(ctx));
            @SuppressWarnings("unchecked")
            List<Checkpoint> checkpoints = (List<Checkpoint>) listing.get("checkpoints");
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("checkpoints", checkpoints.stream().map(Checkpoint::view).toList());
            out.put("keys", listing.get("keys"));
            responses.json(ctx, 200, out);
        });
        routes.add(HandlerType.POST, "/v1/admin/audit/checkpoints", ctx -> {
            Actor actor = credentials.require(ctx);
            String tenant = tenant(ctx, actor);
            Checkpoint c = s.auditCheckpoints().take(actor, tenant).orElseThrow(() -> ProblemException.conflict(
                    "audit_chain_empty", "The tenant's audit chain has no event to sign yet."));
            responses.json(ctx, 201, c.view());
        });
        routes.add(HandlerType.POST, "/v1/admin/audit/keys/rotate", ctx ->
                responses.json(ctx, 200, Map.of("key_id", s.checkpointKeys().rotate(credentials.require(ctx)))));
    }

    /** The {@code tenant} query parameter, or the caller's own tenant without one. */
    private static String tenant(Context ctx, Actor actor) {
        String t = ctx.queryParam("tenant");
        return t == null || t.isBlank() ? actor.tenant() : t;
    }
}
