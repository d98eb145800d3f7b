package dev.ward.server.http;

import io.javalin.http.Context;

/**
 * The browser's session cookie: {@code HttpOnly; SameSite=Strict; Path=/}, {@code Secure} under TLS (or
 * when configured behind a TLS-terminating proxy), and non-persistent — no Max-Age, so it dies with the
 * browser (seed 004).
 */
final class SessionCookie {
    static final String NAME = "ward_session";
    private final boolean alwaysSecure;

    SessionCookie(boolean alwaysSecure) { this.alwaysSecure = alwaysSecure; }

    void set(Context ctx, String token) {
        ctx.res().addHeader("Set-Cookie", NAME + "=" + token + "; Path=/; HttpOnly; SameSite=Strict" + secure(ctx));
    }

    /** Expires the cookie if the request carried one, and asks the browser to drop its cookies. */
    void clear(Context ctx) {
        if (ctx.cookie(NAME) != null) {
            ctx.res().addHeader("Set-Cookie", NAME + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure(ctx));
        }
        ctx.header("Clear-Site-Data", "\"cookies\"");
    }

    private String secure(Context ctx) {
        return alwaysSecure || ctx.req().isSecure() ? "; Secure" : "";
    }
}
