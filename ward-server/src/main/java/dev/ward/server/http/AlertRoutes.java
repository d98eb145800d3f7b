package dev.ward.server.http;

import dev.ward.access.Actor;
import dev.ward.alert.Alert;
import dev.ward.alert.Alerts;
import dev.ward.alert.Delivery;
import dev.ward.alert.DeliveryAttempt;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.Map;

/** The alerts list, acknowledgement and each alert's deliveries (administrators; API.md "Audit, alerts, reports"). */
final class AlertRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final Alerts alerts;

    AlertRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, Alerts alerts) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.alerts = alerts;
    }

    void register() {
        routes.add(HandlerType.GET, "/v1/admin/alerts", ctx -> {
            Actor actor = credentials.require(ctx);
            responses.json(ctx, 200, Map.of("alerts", alerts.list(actor, ctx.queryParam("tenant"), ctx.queryParam("status"),
                    HttpApi.Responses.limit(ctx)).stream().map(AlertRoutes::alert).toList()));
        });
        routes.add(HandlerType.POST, "/v1/admin/alerts/{id}/ack", ctx -> {
            alerts.acknowledge(credentials.require(ctx), ctx.pathParam("id"));
            responses.noContent(ctx);
        });
        routes.add(HandlerType.GET, "/v1/admin/alerts/{id}/deliveries", ctx -> {
            Alerts.Deliveries d = alerts.deliveries(credentials.require(ctx), ctx.pathParam("id"));
            responses.json(ctx, 200, Map.of("deliveries", d.attempts().stream().map(AlertRoutes::attempt).toList(),
                    "channels", d.channels().stream().map(AlertRoutes::channel).toList()));
        });
    }

    private static Map<String, Object> alert(Alert a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("at", Views.time(a.at()));
        m.put("type", a.type());
        m.put("severity", a.severity());
        m.put("status", a.status());
        m.put("subject", a.subject());
        m.put("details", a.details());
        return m;
    }

    private static Map<String, Object> attempt(DeliveryAttempt a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channel", a.channel());
        m.put("at", Views.time(a.at()));
        m.put("outcome", a.outcome());
        if (a.statusCode() != null) {
            m.put("status_code", a.statusCode());
        }
        if (a.error() != null) {
            m.put("error", a.error());
        }
        return m;
    }

    /** Where a channel's delivery stands: {@code pending} (with its next try), {@code delivered} or {@code abandoned}. */
    private static Map<String, Object> channel(Delivery d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("channel", d.channel());
        m.put("status", d.status());
        m.put("attempts", d.attempts());
        if (d.status().equals(Delivery.PENDING)) {
            m.put("next_attempt_at", Views.time(d.nextAttemptAt()));
        }
        return m;
    }
}
