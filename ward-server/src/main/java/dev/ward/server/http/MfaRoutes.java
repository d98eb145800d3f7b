package dev.ward.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.mfa.MfaEnabled;
import dev.ward.mfa.MfaService;
import dev.ward.mfa.MfaStatus;
import dev.ward.mfa.TotpEnrolment;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The holder's own MFA: status, TOTP enrolment, backup codes, disabling. Open to a session confined to
 * enrolment (aal 0) too — that is what such a session is for.
 */
final class MfaRoutes {
    private final RouteTable routes;
    private final HttpApi.Responses responses;
    private final Credentials credentials;
    private final MfaService mfa;
    private final SessionCookie cookies;
    private final ObjectMapper json;

    MfaRoutes(RouteTable routes, HttpApi.Responses responses, Credentials credentials, MfaService mfa, SessionCookie cookies,
              ObjectMapper json) {
        this.routes = routes;
        this.responses = responses;
        this.credentials = credentials;
        this.mfa = mfa;
        this.cookies = cookies;
        this.json = json;
    }

    void register() {
        routes.add(HandlerType.GET, "/v1/me/mfa", this::status);
        routes.add(HandlerType.POST, "/v1/me/mfa/totp/setup", this::setup);
        routes.add(HandlerType.POST, "/v1/me/mfa/totp/confirm", this::confirm);
        routes.add(HandlerType.POST, "/v1/me/mfa/backup-codes", ctx -> {
            Credentials.Held held = credentials.requireSessionForEnrollment(ctx);
            String code = JsonBody.read(ctx, json).secret("code");
            responses.json(ctx, 200, Map.of("backup_codes", mfa.regenerateBackupCodes(held.session(), code)));
        });
        routes.add(HandlerType.POST, "/v1/me/mfa/disable", ctx -> {
            Credentials.Held held = credentials.requireSessionForEnrollment(ctx);
            JsonBody body = JsonBody.read(ctx, json);
            mfa.disable(held.session(), body.secret("password"), body.secret("code"));
            responses.noContent(ctx);
        });
    }

    private void status(Context ctx) {
        MfaStatus status = mfa.status(credentials.requireSessionForEnrollment(ctx).session());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("totp_enabled", status.totpEnabled());
        out.put("backup_codes_remaining", status.backupCodesRemaining());
        out.put("required", status.required());
        responses.json(ctx, 200, out);
    }

    /** The enrolment-only session (aal 0) sends no body; any other must prove the password again. */
    private void setup(Context ctx) {
        Credentials.Held held = credentials.requireSessionForEnrollment(ctx);
        Optional<String> currentPassword = held.session().enrollmentOnly() ? Optional.empty()
                : Optional.of(JsonBody.read(ctx, json).string("current_password"));
        TotpEnrolment enrolment = mfa.beginTotp(held.session(), currentPassword);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("secret", enrolment.secret());
        out.put("otpauth_uri", enrolment.otpauthUri());
        out.put("qr_svg", enrolment.qrSvg());
        responses.json(ctx, 200, out);
    }

    /**
     * {@code aal} says where the session stands now. An enrolment session became aal 2 and its token rotated:
     * the new one in the body, and as the cookie for a cookie caller.
     */
    private void confirm(Context ctx) {
        Credentials.Held held = credentials.requireSessionForEnrollment(ctx);
        String code = JsonBody.read(ctx, json).secret("code");
        MfaEnabled enabled = mfa.confirmTotp(held.session(), held.token(), code);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("enabled", true);
        out.put("backup_codes", enabled.backupCodes());
        out.put("aal", enabled.aal());
        enabled.rotatedToken().ifPresent(token -> {
            out.put("token", token);
            if (held.fromCookie()) {
                cookies.set(ctx, token);
            }
        });
        responses.json(ctx, 200, out);
    }
}
