package dev.ward.client.servlet;

import dev.ward.client.WardClient;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;

/**
 * The app's cookie that carries the user's Ward session token: {@code HttpOnly} (no script reads it),
 * {@code SameSite=Strict} (no other site's page makes the browser send it), {@code Path=/}, and no {@code Max-Age}, so
 * it dies with the browser. Over TLS it is {@code Secure} and named {@code __Host-<name>}, as Ward's own cookie: a
 * browser accepts that name only from a secure origin, for Path=/ and without a Domain, so a sibling subdomain or a
 * plain-HTTP page cannot plant one ahead of it (cookie tossing), and only that name is read over TLS. An app's login
 * page sets it with {@link #set} from {@code LoginAnswer.Authenticated.token()}.
 */
public final class SessionCookie {
    public static final String DEFAULT_NAME = "ward_session";

    private final String name;

    public SessionCookie(String name) {
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("a cookie name is 1-64 letters, digits, '_' or '-'");
        }
        this.name = name;
    }

    public String name() { return name; }

    /** The name the cookie has on this request: {@code __Host-} prefixed over TLS. */
    public String nameFor(HttpServletRequest request) { return request.isSecure() ? "__Host-" + name : name; }

    /** The token the browser sent, if it has the shape of one. */
    public Optional<String> read(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return Optional.empty();
        }
        String wanted = nameFor(request);
        for (Cookie c : cookies) {
            if (wanted.equals(c.getName()) && WardClient.looksLikeToken(c.getValue())) {
                return Optional.of(c.getValue());
            }
        }
        return Optional.empty();
    }

    public void set(HttpServletRequest request, HttpServletResponse response, String token) {
        if (!WardClient.looksLikeToken(token)) {
            throw new IllegalArgumentException("not a session token");
        }
        response.addCookie(cookie(request, token, -1));
    }

    /** Tells the browser to drop the cookie (an ended session's token is of no use to keep sending). */
    public void clear(HttpServletRequest request, HttpServletResponse response) {
        response.addCookie(cookie(request, "", 0));
    }

    private Cookie cookie(HttpServletRequest request, String value, int maxAge) {
        Cookie c = new Cookie(nameFor(request), value);
        c.setPath("/");
        c.setHttpOnly(true);
        c.setSecure(request.isSecure());
        c.setMaxAge(maxAge);
        c.setAttribute("SameSite", "Strict");
        return c;
    }
}
