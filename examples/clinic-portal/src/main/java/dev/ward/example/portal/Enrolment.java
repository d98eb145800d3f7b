package dev.ward.example.portal;

import dev.ward.client.TotpConfirmed;
import dev.ward.client.TotpSetup;
import dev.ward.client.WardClient;
import dev.ward.client.WardException;
import dev.ward.client.servlet.SessionCookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * {@code /mfa/enroll}: a user whose role needs a second factor sets up an authenticator app on first sign-in. The page
 * shows Ward's QR code and the secret; the first code confirms it, and Ward turns the enrolment-only session into a
 * full one with a new token. WardFilter sends an enrolment-only session here from any protected page.
 */
final class Enrolment extends PortalServlet {
    Enrolment(ClinicPortal.Settings settings, WardClient ward, SessionCookie cookie) { super(settings, ward, cookie); }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
        Optional<String> token = cookie.read(req);
        if (token.isEmpty()) {
            res.sendRedirect("/login");
            return;
        }
        String next = localTarget(req.getParameter("next"));
        TotpSetup setup;
        try {
            // Each visit starts a new pending secret; the one before it is replaced.
            setup = ward.setUpTotp(token.get(), Optional.empty(), endUser(req));
        } catch (WardException e) {
            refused(req, res, e, next);
            return;
        }
        String qr = Base64.getEncoder().encodeToString(setup.qrSvg().getBytes(StandardCharsets.UTF_8));
        page(res, 200, "Set up two-step verification", Optional.empty(),
                "<p>Your role needs a second factor. Scan this code with an authenticator app, then enter the code it shows.</p>"
                + "<img id=\"qr\" class=\"qr\" alt=\"QR code of your authenticator secret\" src=\"data:image/svg+xml;base64," + qr + "\">"
                + "<p>Or type this secret into the app: <code id=\"secret\">" + escape(grouped(setup.secret())) + "</code></p>"
                + codeForm(next));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
        Optional<String> token = cookie.read(req);
        String next = localTarget(req.getParameter("next"));
        String code = Optional.ofNullable(req.getParameter("code")).orElse("").replaceAll("\\s", "");
        if (token.isEmpty()) {
            res.sendRedirect("/login");
            return;
        }
        TotpConfirmed confirmed;
        try {
            confirmed = ward.confirmTotp(token.get(), code, endUser(req));
        } catch (WardException e) {
            if ("invalid_mfa_code".equals(e.code()) || "validation_failed".equals(e.code())) {
                page(res, 400, "Set up two-step verification", Optional.empty(), SignIn.error(
                        "That code did not match. Enter the current code, or start again for a new QR code.")
                        + codeForm(next) + "<p><a href=\"/mfa/enroll?next=" + escape(encode(next)) + "\">Start again</a></p>");
            } else {
                refused(req, res, e, next);
            }
            return;
        }
        confirmed.token().ifPresent(fresh -> cookie.set(req, res, fresh));
        StringBuilder codes = new StringBuilder("<ul id=\"backup-codes\" class=\"codes\">");
        confirmed.backupCodes().forEach(c -> codes.append("<li><code>").append(escape(c)).append("</code></li>"));
        page(res, 200, "Two-step verification is on", Optional.empty(),
                "<p>Keep these backup codes somewhere safe: each signs you in once if you lose your phone. They are shown only now.</p>"
                + codes + "</ul><p><a id=\"continue\" class=\"button\" href=\"" + escape(next) + "\">Continue</a></p>");
    }

    /** The session is gone or may not enrol (already enrolled, or a full session that would need its password). */
    private void refused(HttpServletRequest req, HttpServletResponse res, WardException e, String next) throws IOException {
        if (e.unavailable()) {
            page(res, 503, "Unavailable", Optional.empty(), SignIn.error("Ward is unavailable right now. Try again shortly."));
        } else if (e.status() == 401) {
            cookie.clear(req, res);
            res.sendRedirect("/login?next=" + encode(next));
        } else {
            page(res, 409, "Two-step verification", Optional.empty(),
                    "<p>Two-step verification cannot be set up from this session.</p><p><a href=\"/patients/\">Patients</a></p>");
        }
    }

    private static String codeForm(String next) {
        return "<form method=\"post\" action=\"/mfa/enroll\" class=\"card\">" + hidden("next", next)
                + "<label>Code from the app <input name=\"code\" id=\"code\" autocomplete=\"one-time-code\" inputmode=\"numeric\" required></label>"
                + "<button type=\"submit\" id=\"confirm\">Turn on</button></form>";
    }

    /** The secret in groups of four, as authenticator apps show it: easier to type. Spaces are ignored by them. */
    private static String grouped(String secret) {
        return secret.replaceAll("(.{4})(?!$)", "$1 ");
    }

    private static String encode(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
