package dev.ward.alert;

import dev.ward.tenant.Policy;
import dev.ward.tenant.Tenant;
import dev.ward.tenant.TenantService;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Alerts as a JSON {@code POST} to the tenant's {@code alerts.webhook_url}, signed as API.md says:
 * {@code Ward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">} under {@code alerts.webhook_secret}. The
 * timestamp lets the receiver refuse a replayed request; the body is the one fixed when the alert was raised, so
 * retries differ only in {@code t}. Redirects are not followed (a receiver that moved is a failed attempt, not a hop to
 * wherever it points), and any answer but 2xx is a failure to retry.
 */
public final class WebhookChannel implements AlertChannel {
    public static final String SIGNATURE_HEADER = "Ward-Signature";
    static final String SECRET = "alerts.webhook_secret";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final TenantService tenants;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    public WebhookChannel(TenantService tenants, Clock clock) {
        this.tenants = tenants;
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
        HttpRequest request = HttpRequest.newBuilder(URI.create(policy.alertWebhookUrl())).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Ward-Alerts/1")
                .header(SIGNATURE_HEADER, signature(secret, clock.instant().getEpochSecond(), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return status / 100 == 2 ? Result.ok(status) : Result.failed(status, "http_status");
        } catch (HttpConnectTimeoutException e) {
            return Result.failed(null, "connect_timeout");
        } catch (HttpTimeoutException e) {
            return Result.failed(null, "timeout");
        } catch (ConnectException e) {
            return Result.failed(null, "connect_failed");
        } catch (IOException e) {
            return Result.failed(null, "io_error");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.failed(null, "interrupted");
        }
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
