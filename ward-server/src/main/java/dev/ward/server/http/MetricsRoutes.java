package dev.ward.server.http;

import dev.ward.server.metrics.WardMetrics;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * {@code GET /metrics} (API.md, issue 16): the Prometheus text format. Open, like the health checks, unless
 * {@code WARD_METRICS_TOKEN} is set: then only {@code Authorization: Bearer <that token>} (compared in constant time)
 * reads it, since tenant ids and counts say something about a hospital's business.
 */
final class MetricsRoutes {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final RouteTable routes;
    private final WardMetrics metrics;
    private final Optional<byte[]> token;

    MetricsRoutes(RouteTable routes, WardMetrics metrics, Optional<String> token) {
        this.routes = routes;
        this.metrics = metrics;
        this.token = token.map(t -> ("Bearer " + t).getBytes(StandardCharsets.UTF_8));
    }

    void register() {
        routes.add(HandlerType.GET, "/metrics", ctx -> {
            if (token.isPresent()) {
                String presented = ctx.header("Authorization");
                if (presented == null || !MessageDigest.isEqual(token.get(), presented.getBytes(StandardCharsets.UTF_8))) {
                    throw Problems.unauthenticated("/metrics wants Authorization: Bearer <WARD_METRICS_TOKEN>.");
                }
            }
            ctx.contentType(CONTENT_TYPE).result(metrics.scrape());
        });
    }
}
