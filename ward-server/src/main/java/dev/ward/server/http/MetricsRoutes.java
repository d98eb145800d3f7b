package dev.ward.server.http;

import dev.ward.access.Actor;
import dev.ward.ratelimit.RequestLimits;
import dev.ward.server.metrics.WardMetrics;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * {@code GET /metrics} (API.md, issue 16): the Prometheus text format. With {@code WARD_METRICS_TOKEN} set, only
 * {@code Authorization: Bearer <that token>} (compared in constant time) reads it, since tenant ids and counts say
 * something about a hospital's business; a request without it is a refused credential, counted against the caller's
 * address like any other, so the token cannot be guessed at line speed. Without a token it is open, as API.md lists
 * it among the operations routes (no auth): {@code ward check} warns where that exposes it beyond this machine, and a
 * flood of scrapes costs the stores at most one count a second (WardMetrics's count budget; review16, decision 0041).
 */
final class MetricsRoutes {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final RouteTable routes;
    private final WardMetrics metrics;
    private final Optional<byte[]> token;
    private final RequestLimits limits;
    private final TrustedProxies proxies;

    MetricsRoutes(RouteTable routes, WardMetrics metrics, Optional<String> token, RequestLimits limits,
                  TrustedProxies proxies) {
        this.routes = routes;
        this.metrics = metrics;
        this.token = token.map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8));
        this.limits = limits;
        this.proxies = proxies;
    }

    void register() {
        routes.add(HandlerType.GET, "/metrics", ctx -> {
            if (token.isPresent()) {
                String presented = ctx.header("Authorization");
                if (presented == null || !MessageDigest.isEqual(token.get(), presented.getBytes(StandardCharsets.UTF_8))) {
                    limits.address(Actor.SYSTEM_TENANT, proxies.clientIp(ctx));
                    throw Problems.unauthenticated("/metrics wants Authorization: Bearer <WARD_METRICS_TOKEN>.");
                }
            }
            ctx.contentType(CONTENT_TYPE).result(metrics.scrape());
        });
    }
}
