package dev.ward.client.servlet;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.client.OnBehalf;
import dev.ward.client.Validation;
import dev.ward.client.WardClient;
import dev.ward.client.WardException;
import dev.ward.client.WardSession;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * The calls {@code ward.js} makes, answered on the app's own origin under the forward path ({@code /ward}), so that
 * the page needs no CORS and Ward needs no public address. Only these, each mapped to the Ward call that keeps the
 * end user's identity (decision 0030):
 * <ul>
 *   <li>{@code GET /v1/session} and {@code POST /v1/session/keepalive}: a validation with the user's address and agent
 *       (a use that slides the idle timeout), answered as Ward answers those routes;</li>
 *   <li>{@code POST /v1/session/patient-data/clear} and {@code /v1/session/emergency-cleanup}: with the app's API key
 *       and the user's token in {@code Ward-Session-Token};</li>
 *   <li>{@code POST /v1/auth/logout}: with the user's token.</li>
 * </ul>
 * Everything else under the path is 404. The cookie is the credential, so a state-changing call must come from the
 * app's own pages (CSRF): a foreign {@code Origin} or a cross-site {@code Sec-Fetch-Site} is refused, on top of the
 * cookie's {@code SameSite=Strict}. A body is read (beacons send one) up to a small bound and ignored.
 */
final class WardForwarding {
    static final int DEFAULT_MAX_BODY = 8 * 1024;
    private static final ObjectMapper JSON = WardClient.mapper();

    private final WardClient ward;
    private final SessionCookie cookie;
    private final int maxBody;

    WardForwarding(WardClient ward, SessionCookie cookie, int maxBody) {
        this.ward = ward;
        this.cookie = cookie;
        this.maxBody = maxBody;
    }

    private enum Route { SESSION, KEEPALIVE, CLEAR, EMERGENCY, LOGOUT }

    private static final Map<String, Route> ROUTES = Map.of(
            "/v1/session", Route.SESSION,
            "/v1/session/keepalive", Route.KEEPALIVE,
            "/v1/session/patient-data/clear", Route.CLEAR,
            "/v1/session/emergency-cleanup", Route.EMERGENCY,
            "/v1/auth/logout", Route.LOGOUT);

    void answer(HttpServletRequest request, HttpServletResponse response, String path) throws IOException {
        Answers.patientPageHeaders(response);
        Route route = ROUTES.get(path);
        if (route == null) {
            Answers.problem(response, 404, "not_found", "Only the calls of ward.js are forwarded to Ward.");
            return;
        }
        String method = route == Route.SESSION ? "GET" : "POST";
        if (!method.equals(request.getMethod())) {
            response.setHeader("Allow", method);
            Answers.problem(response, 405, "method_not_allowed", "This route takes " + method + ".");
            return;
        }
        if (route != Route.SESSION && !sameOrigin(request)) {
            Answers.problem(response, 403, "origin_not_allowed", "Only the app's own pages may make this call.");
            return;
        }
        if (!drained(request)) {
            Answers.problem(response, 413, "payload_too_large", "These calls take no body.");
            return;
        }
        Optional<Credential> held = Credential.of(request, cookie);
        if (held.isEmpty()) {
            Answers.problem(response, 401, "unauthenticated", "Sign in first.");
            return;
        }
        Credential credential = held.get();
        try {
            switch (route) {
                case SESSION:
                case KEEPALIVE:
                    validate(request, response, credential, route);
                    break;
                case CLEAR:
                    OnBehalf<Integer> cleared = ward.clearPatientData(credential.token());
                    cleared.rotatedToken().ifPresent(fresh -> credential.handBack(request, response, cookie, fresh));
                    json(response, Map.of("cleared", cleared.value()));
                    break;
                case EMERGENCY:
                    OnBehalf<Integer> purged = ward.emergencyCleanup(credential.token());
                    cookie.clear(request, response);
                    json(response, Map.of("cleared", purged.value(), "terminated", true));
                    break;
                default:
                    ward.logout(credential.token(), WardFilter.endUser(request));
                    cookie.clear(request, response);
                    response.setStatus(204);
                    break;
            }
        } catch (WardException e) {
            if (route == Route.LOGOUT) {
                // The user asked to be signed out: the browser forgets the token whatever Ward answered.
                cookie.clear(request, response);
            }
            if (!aboutTheUser(e)) {
                // Down, or the app's own key refused (revoked, no scope): nothing the page or its user can mend, and
                // no reason to drop their cookie or to tell ward.js the session is gone.
                Answers.unavailable(response);
            } else {
                if (e.status() == 401) {
                    cookie.clear(request, response);
                }
                Answers.problem(response, e.status(), e.code(), "Ward refused the call.");
            }
        }
    }

    /** A refusal of the user's session (ended, or enrolment only), not of the app's key nor Ward being unable to answer. */
    private static boolean aboutTheUser(WardException e) {
        String code = e.code() == null ? "" : e.code();
        return !e.unavailable() && (e.status() == 401 && code.startsWith("session_")
                || e.status() == 403 && code.equals("mfa_enrollment_required"));
    }

    private void validate(HttpServletRequest request, HttpServletResponse response, Credential credential, Route route)
            throws IOException {
        Validation v = ward.validate(credential.token(), WardFilter.endUser(request));
        if (v instanceof Validation.Valid valid) {
            valid.rotatedToken().ifPresent(fresh -> credential.handBack(request, response, cookie, fresh));
            WardSession s = valid.session();
            json(response, route == Route.SESSION ? s : Map.of("idle_expires_at", s.idleExpiresAt()));
        } else if (v instanceof Validation.Invalid invalid) {
            cookie.clear(request, response);
            Answers.problem(response, 401, invalid.code(), "The session is not valid; sign in again.");
        } else if (v instanceof Validation.Forbidden forbidden) {
            forbidden.rotatedToken().ifPresent(fresh -> credential.handBack(request, response, cookie, fresh));
            Answers.problem(response, 403, forbidden.code(), "This session may not do this.");
        } else {
            Answers.unavailable(response);
        }
    }

    /**
     * A cookie-borne call from another site's page is refused whatever the cookie's SameSite: the {@code Origin} (sent on
     * every cross-origin and every POST fetch or beacon) must be this app's own, and {@code Sec-Fetch-Site}, where the
     * browser sends it, must not say another site. A caller with neither is no browser, and CSRF needs one.
     */
    private static boolean sameOrigin(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return false;
        }
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return true;
        }
        int port = request.getServerPort();
        boolean defaultPort = port == ("https".equals(request.getScheme()) ? 443 : 80);
        String own = request.getScheme() + "://" + request.getServerName() + (defaultPort ? "" : ":" + port);
        return origin.equalsIgnoreCase(own);
    }

    /** Reads and drops the body; false when it is over the bound (by its length or by what arrives). */
    private boolean drained(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() > maxBody) {
            return false;
        }
        long total = 0;
        byte[] buffer = new byte[1024];
        try (InputStream in = request.getInputStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > maxBody) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void json(HttpServletResponse response, Object value) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(value);
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
