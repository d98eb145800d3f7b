package dev.ward.example.portal;

import dev.ward.client.EndUser;
import dev.ward.client.WardClient;
import dev.ward.client.WardSession;
import dev.ward.client.servlet.SessionCookie;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What every page of the portal shares: the security headers, a refusal of forms posted from another site's page, and
 * the page layout. Pages are plain HTML written here, every value through {@link #escape} — no template engine.
 */
abstract class PortalServlet extends HttpServlet {
    /** No inline script or style anywhere: ward.js and portal.js come from this origin, the QR code as a data: image. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    final ClinicPortal.Settings settings;
    final WardClient ward;
    final SessionCookie cookie;

    PortalServlet(ClinicPortal.Settings settings, WardClient ward, SessionCookie cookie) {
        this.settings = settings;
        this.ward = ward;
        this.cookie = cookie;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws ServletException, IOException {
        // The sign-in and enrolment pages show secrets (a TOTP secret, backup codes) and are outside the filter's
        // protected paths: they get the patient pages' headers here. The filter has set them already on /patients/*.
        res.setHeader("Content-Security-Policy", CSP);
        res.setHeader("Cache-Control", "no-store");
        res.setHeader("Pragma", "no-cache");
        res.setHeader("X-Content-Type-Options", "nosniff");
        res.setHeader("X-Frame-Options", "DENY");
        res.setHeader("Referrer-Policy", "no-referrer");
        if ("POST".equals(req.getMethod()) && !fromOwnPage(req)) {
            page(res, 403, "Refused", Optional.empty(), "<p>This form can only be sent from the portal's own pages.</p>");
            return;
        }
        super.service(req, res);
    }

    /**
     * A form posted by another site's page is refused (CSRF), on top of the session cookie's {@code SameSite=Strict}.
     * {@code Sec-Fetch-Site}, which browsers send, decides; without it an {@code Origin} must be this portal's. (Under
     * {@code Referrer-Policy: no-referrer} a browser sends {@code Origin: null} with the portal's own forms.)
     */
    static boolean fromOwnPage(HttpServletRequest req) {
        String site = req.getHeader("Sec-Fetch-Site");
        if (site != null) {
            return site.equals("same-origin") || site.equals("none");
        }
        String origin = req.getHeader("Origin");
        if (origin == null) {
            return true;
        }
        int port = req.getServerPort();
        boolean defaultPort = port == ("https".equals(req.getScheme()) ? 443 : 80);
        return origin.equalsIgnoreCase(req.getScheme() + "://" + req.getServerName() + (defaultPort ? "" : ":" + port));
    }

    /** The person in front of the browser, as Ward binds and rate-limits their session. */
    static EndUser endUser(HttpServletRequest req) {
        return new EndUser(req.getRemoteAddr(), req.getHeader("User-Agent"));
    }

    /** A path of this portal to go to after signing in; anything else (another site, "//host") is the patient list. */
    static String localTarget(String next) {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) {
            return "/patients/";
        }
        return next;
    }

    /** Writes a whole page; {@code body} is HTML the caller built with {@link #escape}. */
    void page(HttpServletResponse res, int status, String title, Optional<WardSession> who, String body) throws IOException {
        String header = who.map(s -> "<span>Signed in as <strong>" + escape(s.user().username()) + "</strong></span>"
                + "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign out</button></form>").orElse("");
        String html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + escape(title) + " · Clinic portal</title>"
                + "<link rel=\"stylesheet\" href=\"/static/portal.css\">"
                + "<script type=\"module\" src=\"/static/portal.js\"></script></head>"
                + "<body data-idle-warning=\"" + settings.idleWarningSeconds() + "\" data-hidden-cleanup=\""
                + settings.hiddenCleanupSeconds() + "\"><header><a href=\"/patients/\" class=\"brand\">Clinic portal</a>"
                + header + "</header><main><h1>" + escape(title) + "</h1>" + body + "</main></body></html>";
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        res.setStatus(status);
        res.setContentType("text/html;charset=utf-8");
        res.setContentLength(bytes.length);
        res.getOutputStream().write(bytes);
    }

    /** HTML-escapes text for an element or a quoted attribute. */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + escape(name) + "\" value=\"" + escape(value) + "\">";
    }
}
