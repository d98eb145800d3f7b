package dev.ward.client.servlet;

import dev.ward.client.WardClient;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;

/** The Ward session token a request presents: {@code Authorization: Bearer wst_…} first, else the session cookie. */
record Credential(String token, boolean fromCookie) {
    static Optional<Credential> of(HttpServletRequest request, SessionCookie cookie) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String bearer = header.substring(7).strip();
            if (WardClient.looksLikeToken(bearer)) {
                return Optional.of(new Credential(bearer, false));
            }
        }
        return cookie.read(request).map(t -> new Credential(t, true));
    }

    /** A rotated token goes back the way the old one came: as the cookie, or to an API caller as Ward does, in a header. */
    void handBack(HttpServletRequest request, HttpServletResponse response, SessionCookie cookie, String fresh) {
        if (fromCookie) {
            cookie.set(request, response, fresh);
        } else {
            response.setHeader("Ward-Rotated-Token", fresh);
        }
    }

    @Override public String toString() { return "Credential[" + (fromCookie ? "cookie" : "bearer") + "]"; }
}
