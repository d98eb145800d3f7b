package dev.ward.client.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** What the filter writes itself: problem JSON (RFC 9457, as Ward's), and the headers of a page with patient data. */
final class Answers {
    private Answers() {}

    /**
     * API.md's security headers for answers that carry session or patient data: never stored by a browser or proxy
     * (HTTP/1.0 caches too), never framed, never sniffed, no referrer leaking a patient id in a URL.
     */
    static void patientPageHeaders(HttpServletResponse response) {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Pragma", "no-cache");
        response.setHeader("Expires", "0");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
    }

    /** A page load (the browser asks for HTML) rather than a script's or another back-end's call. */
    static boolean isBrowser(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return accept != null && accept.contains("text/html");
    }

    static void problem(HttpServletResponse response, int status, String code, String detail) throws IOException {
        response.resetBuffer();
        patientPageHeaders(response);
        response.setStatus(status);
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"ward\"");
        }
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        // detail is always the filter's own text; a code from the wire that is not one of Ward's shape is not echoed.
        code = code.matches("[a-z0-9_]{1,64}") ? code : "refused";
        String body = "{\"type\":\"urn:ward:problem:" + code + "\",\"title\":\"" + title(status) + "\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\",\"code\":\"" + code + "\"}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** Ward could not vouch for the session: the request is refused, and may be retried shortly. */
    static void unavailable(HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", "5");
        problem(response, 503, "ward_unavailable", "Sessions cannot be checked right now; try again shortly.");
    }

    private static String title(int status) {
        switch (status) {
            case 401: return "Authentication required";
            case 403: return "Forbidden";
            case 404: return "Not found";
            case 405: return "Method not allowed";
            case 413: return "Payload too large";
            case 503: return "Service unavailable";
            default: return "Refused";
        }
    }
}
