package dev.ward.alert;

import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Alerts as a JSON {@code POST} to the tenant's {@code alerts.webhook_url}, signed as API.md says:
 * {@code Ward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">} under {@code alerts.webhook_secret}. The
 * timestamp lets the receiver refuse a replayed request; the body is the one fixed when the alert was raised, so
 * retries differ only in {@code t}. The request itself is {@link WebhookPost}'s: only to addresses a tenant may reach,
 * no redirects (a receiver that moved is a failed attempt, not a hop to wherever it points), and any answer but 2xx is
 * a failure to retry.
 */
public final class WebhookChannel implements AlertChannel {
    public static final String SIGNATURE_HEADER = "Ward-Signature";
    static final String SECRET = "alerts.webhook_secret";

    private final TenantService tenants;
    private final WebhookPost http;
    private final Clock clock;

    public WebhookChannel(TenantService tenants, WebhookPost http, Clock clock) {
        this.tenants = tenants;
        this.http = http;
        this.clock = clock;
    }

    @Override
    public String name() { return "webhook"; }

    @Override
    public boolean wanted(Policy policy) { return !policy.alertWebhookUrl().isEmpty(); }

    @Override
    public Result send(Tenant tenant, Alert alert, String payload) {
        Policy policy = tenant.policy();
        String secret = tenants.openSecret(tenant, SECRET, policy.sealedAlertWebhookSecret()).orElse(null);
        if (secret == null) {
            return Result.failed(null, "no_secret");
        }
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        return http.post(policy.alertWebhookUrl(), List.of(Map.entry("User-Agent", "Ward-Alerts/1"),
                Map.entry(SIGNATURE_HEADER, signature(secret, clock.instant().getEpochSecond(), body))), body);
    }

    /** {@code t=<seconds>,v1=<hex HMAC-SHA256 under secret of "<seconds>.<body>">}. */
    public static String signature(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
