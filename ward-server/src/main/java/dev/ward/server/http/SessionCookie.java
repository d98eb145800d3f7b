package dev.ward.server.http;

import io.javalin.http.Context;
import java.util.Optional;

/**
 * The browser's session cookie: {@code HttpOnly; SameSite=Strict; Path=/}, non-persistent — no Max-Age, so it
 * dies with the browser (seed 004). Under TLS (the connection's, a trusted proxy's, or {@code WARD_COOKIE_SECURE})
 * it is {@code Secure} and named {@code __Host-ward_session}: browsers accept a cookie of that name only from a
 * secure origin, without a Domain and for Path=/, so a sibling subdomain or a plain-HTTP page cannot plant or
 * overwrite it (cookie tossing), and only that name is read under TLS.
 */
final class SessionCookie {
    static final String NAME = "ward_session";
    static final String SECURE_NAME = "__Host-" + NAME;

    private final boolean alwaysSecure;
    private final TrustedProxies proxies;

    SessionCookie(boolean alwaysSecure, TrustedProxies proxies) {
        this.alwaysSecure = alwaysSecure;
        this.proxies = proxies;
    }

    /** The name the cookie has on this request's connection. */
    String name(Context ctx) {
        return secure(ctx) ? SECURE_NAME : NAME;
    }

    /** The session token the browser sent in the cookie of this connection's name, if any. */
    Optional<String> read(Context ctx) {
        return Optional.ofNullable(ctx.cookie(name(ctx))).filter(c -> !c.isEmpty());
    }

    /** Whether a request carries the session cookie (of either name: the guard must see a tossed one too). */
    static boolean present(Context ctx) {
        return ctx.cookie(NAME) != null || ctx.cookie(SECURE_NAME) != null;
    }

    void set(Context ctx, String token) {
        ctx.res().addHeader("Set-Cookie", name(ctx) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict" + secureFlag(ctx));
    }

    /** Expires the cookie if the request carried one, and asks the browser to drop its cookies. */
    void clear(Context ctx) {
        if (ctx.cookie(name(ctx)) != null) {
            ctx.res().addHeader("Set-Cookie", name(ctx) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secureFlag(ctx));
        }
        ctx.header("Clear-Site-Data", "\"cookies\"");
    }

    private boolean secure(Context ctx) {
        return alwaysSecure || proxies.secure(ctx);
    }

    private String secureFlag(Context ctx) {
        return secure(ctx) ? "; Secure" : "";
    }
}
