package dev.ward.example.portal;

import dev.ward.client.LoginAnswer;
import dev.ward.client.WardClient;
import dev.ward.client.servlet.SessionCookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /login}: the password, then whatever Ward asks for next — a TOTP or backup code ({@code /login/mfa}, the
 * challenge carried in the form), or the enrolment of an authenticator ({@link Enrolment}). The token Ward gives goes
 * into the portal's own session cookie and nowhere else.
 */
final class SignIn extends PortalServlet {
    /** Why the last session ended, as ward.js or the sign-out says it; any other value shows nothing. */
    private static final Map<String, String> SIGNED_OUT = Map.of(
            "logout", "You have signed out.",
            "idle_timeout", "You were signed out after a period of inactivity, for patient privacy.",
            "emergency_cleanup", "Patient data was cleared and you were signed out.",
            "session_expired", "Your session has ended. Please sign in again.",
            "session_revoked", "Your session was ended. Please sign in again.");

    SignIn(ClinicPortal.Settings settings, WardClient ward, SessionCookie cookie) { super(settings, ward, cookie); }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String notice = Optional.ofNullable(req.getParameter("signed_out")).map(SIGNED_OUT::get)
                .map(text -> "<p class=\"notice\" id=\"notice\">" + escape(text) + "</p>").orElse("");
        passwordForm(res, 200, notice, localTarget(req.getParameter("next")));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse res) throws IOException {
        String next = localTarget(req.getParameter("next"));
        if ("/login/mfa".equals(req.getServletPath())) {
            String challenge = req.getParameter("challenge");
            String code = Optional.ofNullable(req.getParameter("code")).orElse("").replaceAll("\\s", "");
            if (challenge == null || code.isEmpty()) {
                passwordForm(res, 400, error("Sign in again."), next);
                return;
            }
            answer(req, res, ward.verifyMfa(challenge, code, endUser(req)), next, challenge);
            return;
        }
        String username = Optional.ofNullable(req.getParameter("username")).orElse("").strip();
        String password = Optional.ofNullable(req.getParameter("password")).orElse("");
        if (username.isEmpty() || password.isEmpty()) {
            passwordForm(res, 400, error("Enter your username and password."), next);
            return;
        }
        answer(req, res, ward.login(settings.tenant(), username, password, endUser(req)), next, null);
    }

    /** Every answer Ward can give, handled (the interface is sealed: the compiler checks this switch). */
    private void answer(HttpServletRequest req, HttpServletResponse res, LoginAnswer answer, String next, String challenge)
            throws IOException {
        switch (answer) {
            case LoginAnswer.Authenticated in -> {
                cookie.set(req, res, in.token());
                res.sendRedirect(next);
            }
            case LoginAnswer.MfaRequired mfa -> codeForm(res, 200, "", mfa.challenge(), next);
            case LoginAnswer.MfaEnrollmentRequired enrol -> {
                // A session that may only enrol: the enrolment page uses it, then Ward makes it a full one.
                cookie.set(req, res, enrol.token());
                res.sendRedirect("/mfa/enroll?next=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8));
            }
            case LoginAnswer.Refused no when "invalid_mfa_code".equals(no.code()) && challenge != null ->
                    codeForm(res, 401, error("That code did not match. Enter the current code from your authenticator app."),
                            challenge, next);
            case LoginAnswer.Refused no when "rate_limited".equals(no.code()) -> passwordForm(res, 429,
                    error("Too many attempts. Try again in " + no.retryAfter().map(d -> d.toSeconds() + " seconds").orElse("a while") + "."), next);
            case LoginAnswer.Refused no when "invalid_credentials".equals(no.code()) ->
                    passwordForm(res, 401, error("Wrong username or password."), next);
            case LoginAnswer.Refused no -> passwordForm(res, no.status() >= 400 && no.status() < 500 ? no.status() : 400,
                    error("Sign-in refused (" + no.code() + "). Sign in again."), next);
            case LoginAnswer.Unavailable down -> {
                log("Ward is unavailable for sign-in: " + down.cause());
                passwordForm(res, 503, error("Sign-in is unavailable right now. Try again shortly."), next);
            }
        }
    }

    private void passwordForm(HttpServletResponse res, int status, String message, String next) throws IOException {
        page(res, status, "Sign in", Optional.empty(), message
                + "<form method=\"post\" action=\"/login\" class=\"card\">" + hidden("next", next)
                + "<label>Username <input name=\"username\" id=\"username\" autocomplete=\"username\" required autofocus></label>"
                + "<label>Password <input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>"
                + "<button type=\"submit\" id=\"sign-in\">Sign in</button></form>");
    }

    private void codeForm(HttpServletResponse res, int status, String message, String challenge, String next) throws IOException {
        page(res, status, "Two-step verification", Optional.empty(), message
                + "<form method=\"post\" action=\"/login/mfa\" class=\"card\">" + hidden("challenge", challenge) + hidden("next", next)
                + "<label>Code from your authenticator app (or a backup code) <input name=\"code\" id=\"code\" "
                + "autocomplete=\"one-time-code\" inputmode=\"numeric\" required autofocus></label>"
                + "<button type=\"submit\" id=\"verify\">Verify</button></form>");
    }

    static String error(String text) { return "<p class=\"error\" id=\"error\">" + escape(text) + "</p>"; }
}
