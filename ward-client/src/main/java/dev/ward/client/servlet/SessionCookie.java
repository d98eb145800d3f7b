package dev.ward.client.servlet;

import dev.ward.client.WardClient;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;

/**
 * The app's cookie that carries the user's Ward session token: {@code HttpOnly} (no script reads it),
 * {@code SameSite=Strict} (no other site's page makes the browser send it), {@code Secure} when the request came over
 * TLS, {@code Path=/}, and no {@code Max-Age}, so it dies with the browser. An app's login page sets it with
 * {@link #set} from {@code LoginAnswer.Authenticated.token()}.
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

    /** The token the browser sent, if it has the shape of one. */
    public Optional<String> read(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return Optional.empty();
        }
        for (Cookie c : cookies) {
            if (name.equals(c.getName()) && WardClient.looksLikeToken(c.getValue())) {
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
        Cookie c = new Cookie(name, value);
        c.setPath("/");
        c.setHttpOnly(true);
        c.setSecure(request.isSecure());
        c.setMaxAge(maxAge);
        c.setAttribute("SameSite", "Strict");
        return c;
    }
}
